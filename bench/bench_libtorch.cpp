// bench_libtorch.cpp - the libtorch side of the benchmark (see bench/run.py).
//
//   bench_libtorch MODEL.pt [--iters N] [--warmup N] [--threads N] [--optimize] INPUT...
//   --optimize: torch::jit::optimize_for_inference after loading (counted in load_ms)
//   INPUT: f32:D0,D1,...  a float32 tensor filled with sin(0.37 * i)
//          True | False   a bool
//          int:N          an int
//
// Loads the archive with torch::jit::load (timed), runs forward `warmup`
// times, then times `iters` calls one by one under c10::InferenceMode, and
// prints one JSON line: load_ms, median/p90/mean latency in microseconds,
// peak RSS (VmHWM, else getrusage) and a checksum of the first output tensor, the same
// fields as bench_tscript.c so run.py can put them side by side.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/script.h>
#include <torch/version.h>

namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::micro>(b - a).count();
}

// Peak resident set size of this process image: VmHWM from /proc/self/status,
// which exec resets (getrusage's ru_maxrss also counts the parent's memory
// copied by fork before exec, so it is only the fallback).
double peak_rss_mb() {
    if (FILE *f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        long kb = -1;
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1)
                break;
        std::fclose(f);
        if (kb >= 0)
            return static_cast<double>(kb) / 1024.0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

[[noreturn]] void usage(const char *msg) {
    std::fprintf(stderr,
                 "bench_libtorch: %s\nusage: bench_libtorch MODEL.pt [--iters N] [--warmup N] "
                 "[--threads N] INPUT...\n",
                 msg);
    std::exit(2);
}

torch::jit::IValue parse_input(const std::string &w) {
    if (w == "True" || w == "False")
        return torch::jit::IValue(w == "True");
    if (w.rfind("int:", 0) == 0)
        return torch::jit::IValue(static_cast<int64_t>(std::strtoll(w.c_str() + 4, nullptr, 10)));
    if (w.rfind("f32:", 0) == 0) {
        std::vector<int64_t> shape;
        const char *p = w.c_str() + 4;
        while (*p) {
            char *end;
            shape.push_back(std::strtoll(p, &end, 10));
            if (end == p)
                usage(("bad input " + w).c_str());
            p = *end == ',' ? end + 1 : end;
        }
        torch::Tensor t = torch::empty(shape, torch::kFloat32);
        float *d = t.data_ptr<float>();
        for (int64_t i = 0; i < t.numel(); i++)
            d[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
        return torch::jit::IValue(t);
    }
    usage(("bad input " + w).c_str());
}

double checksum(const torch::jit::IValue &v) {
    if (v.isTensor())
        return v.toTensor().to(torch::kFloat64).sum().item<double>();
    if (v.isTuple() && !v.toTupleRef().elements().empty())
        return checksum(v.toTupleRef().elements()[0]);
    if (v.isList() && v.toListRef().size() > 0)
        return checksum(v.toListRef()[0]);
    return 0.0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2)
        usage("missing MODEL.pt");
    const char *path = argv[1];
    int iters = 200, warmup = 20, threads = 1;
    bool optimize = false; /* torch.jit.optimize_for_inference (freeze + fold + prepack), in load_ms */
    std::vector<torch::jit::IValue> inputs;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--optimize") {
            optimize = true;
        } else if ((a == "--iters" || a == "--warmup" || a == "--threads") && i + 1 < argc) {
            int v = std::atoi(argv[++i]);
            (a == "--iters" ? iters : a == "--warmup" ? warmup : threads) = v;
        } else {
            inputs.push_back(parse_input(a));
        }
    }
    if (iters < 1 || warmup < 0 || threads < 1)
        usage("--iters, --threads must be >= 1, --warmup >= 0");
    at::set_num_threads(threads);

    try {
        auto t0 = Clock::now();
        torch::jit::Module m = torch::jit::load(path);
        m.eval();
        if (optimize)
            m = torch::jit::optimize_for_inference(m);
        auto t1 = Clock::now();
        double load_ms = micros(t0, t1) / 1000.0;

        c10::InferenceMode guard;
        double sum = 0.0;
        for (int i = 0; i < warmup; i++)
            sum = checksum(m.forward(inputs));
        std::vector<double> times;
        times.reserve(static_cast<size_t>(iters));
        for (int i = 0; i < iters; i++) {
            auto a = Clock::now();
            torch::jit::IValue out = m.forward(inputs);
            auto b = Clock::now();
            times.push_back(micros(a, b));
            if (i == iters - 1)
                sum = checksum(out);
        }
        std::sort(times.begin(), times.end());
        double mean = 0.0;
        for (double t : times)
            mean += t;
        mean /= static_cast<double>(times.size());
        std::printf("{\"runtime\": \"%s\", \"version\": \"%s\", \"model\": \"%s\", "
                    "\"threads\": %d, \"iters\": %d, \"load_ms\": %.3f, \"median_us\": %.2f, "
                    "\"p90_us\": %.2f, \"mean_us\": %.2f, \"peak_rss_mb\": %.2f, "
                    "\"checksum\": %.9g}\n",
                    optimize ? "libtorch-ofi" : "libtorch", TORCH_VERSION, path, threads, iters, load_ms, times[times.size() / 2],
                    times[std::min(times.size() - 1, times.size() * 9 / 10)], mean,
                    peak_rss_mb(), sum);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_libtorch: %s: %s\n", path, e.what());
        return 1;
    }
    return 0;
}
