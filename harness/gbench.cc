// Google Benchmark behind a C interface (see harness/gbench.h). The project's only C++ file:
// registrations keep a copy of the C struct, a lambda runs the state loop around the C body,
// and a display reporter forwards to Google Benchmark's own console reporter (unless quiet)
// while converting every run to a cnb_gb_result for the C callback. The file output requested
// with --benchmark_out is left to Google Benchmark's default file reporter (JSON), untouched.
// Not used: the CSV format (deprecated in 1.7.1, and its cv row is wrong; MACHINE.md).
#include "harness/gbench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <list>
#include <map>
#include <string>
#include <vector>

namespace {

struct Registration {
    cnb_gb_bench b;
    std::string name;
};

std::list<Registration> g_regs;              // stable addresses: lambdas point into it
std::map<std::string, void *> g_ctx_of;      // registered name -> ctx
cnb_gb_report_fn g_report = nullptr;
void *g_report_user = nullptr;
bool g_quiet = false;
bool g_flag_repetitions = false;             // given on the command line: wins
bool g_flag_min_time = false;

void body(benchmark::State &st, const Registration &r)
{
    if (r.b.setup && r.b.setup(r.b.ctx) != 0) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        r.b.fn(r.b.ctx);
    if (r.b.teardown)
        r.b.teardown(r.b.ctx);
    if (r.b.threads > 0)
        st.counters["threads"] = benchmark::Counter(r.b.threads);
    if (r.b.flop > 0)
        st.counters["FLOP"] = benchmark::Counter(
            r.b.flop, benchmark::Counter::kIsRate | benchmark::Counter::kIsIterationInvariant);
    if (r.b.bytes > 0)
        st.counters["bytes"] = benchmark::Counter(
            r.b.bytes, benchmark::Counter::kIsRate | benchmark::Counter::kIsIterationInvariant);
}

using Run = benchmark::BenchmarkReporter::Run;

// Convert one run and hand it to C; `aggregate` is "" for a repetition.
void deliver(const Run &run, const char *aggregate)
{
    if (!g_report)
        return;
    std::string full = run.benchmark_name();
    const std::string &name = run.run_name.function_name;
    cnb_gb_result r;
    std::memset(&r, 0, sizeof r);
    r.name = name.c_str();
    r.full_name = full.c_str();
    r.aggregate = aggregate;
    auto it = g_ctx_of.find(name);
    r.ctx = it == g_ctx_of.end() ? nullptr : it->second;
    r.repetition = (int)run.repetition_index;
    r.repetitions = (int)run.repetitions;
    r.iterations = (long long)run.iterations;
    r.is_ratio = run.run_type == Run::RT_Aggregate
                 && run.aggregate_unit == benchmark::StatisticUnit::kPercentage;
    if (r.is_ratio) {   // cv: the ratio itself is stored, not divided by iterations
        r.real_time = run.real_accumulated_time;
        r.cpu_time = run.cpu_accumulated_time;
    } else if (run.iterations > 0) {
        r.real_time = run.real_accumulated_time / (double)run.iterations;
        r.cpu_time = run.cpu_accumulated_time / (double)run.iterations;
    }
    for (const auto &kv : run.counters) {
        if (kv.first == "threads")
            r.threads = kv.second.value;
        else if (kv.first == "FLOP")
            r.flop_rate = kv.second.value;
        else if (kv.first == "bytes")
            r.byte_rate = kv.second.value;
        if (r.ncounters < CNB_GB_MAX_COUNTERS) {
            r.counter_name[r.ncounters] = kv.first.c_str();
            r.counter_value[r.ncounters] = kv.second.value;
            r.ncounters++;
        }
    }
    r.error = run.error_occurred ? 1 : 0;
    r.error_message = run.error_message.c_str();
    g_report(&r, g_report_user);
}

class CReporter : public benchmark::BenchmarkReporter {
  public:
    bool ReportContext(const Context &context) override
    {
        if (!g_quiet)
            return console()->ReportContext(context);
        return true;
    }

    void ReportRuns(const std::vector<Run> &reports) override
    {
        if (!g_quiet)
            console()->ReportRuns(reports);
        for (const Run &run : reports)
            deliver(run, run.run_type == Run::RT_Aggregate ? run.aggregate_name.c_str() : "");
    }

    void Finalize() override
    {
        if (!g_quiet)
            console()->Finalize();
    }

  private:
    // Google Benchmark's reporter for --benchmark_format (console by default); owned by it.
    static benchmark::BenchmarkReporter *console()
    {
        static benchmark::BenchmarkReporter *r = benchmark::CreateDefaultDisplayReporter();
        return r;
    }
};

bool starts_with(const char *s, const char *prefix)
{
    return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

}  // namespace

extern "C" {

void cnb_gb_init(int *argc, char **argv)
{
    // Hand Google Benchmark only its own flags (--benchmark_*, --v), so that it neither sees
    // nor eats ours (it would print its help and exit on --help).
    std::vector<char *> mine;
    mine.push_back(argv[0]);
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        if (starts_with(argv[i], "--benchmark_") || starts_with(argv[i], "--v=")) {
            mine.push_back(argv[i]);
            g_flag_repetitions |= starts_with(argv[i], "--benchmark_repetitions");
            g_flag_min_time |= starts_with(argv[i], "--benchmark_min_time");
        } else {
            argv[kept++] = argv[i];
        }
    }
    argv[kept] = nullptr;
    *argc = kept;
    int n = (int)mine.size();
    mine.push_back(nullptr);
    benchmark::Initialize(&n, mine.data());
    for (int i = 1; i < n; i++)
        std::fprintf(stderr, "gbench: unknown Google Benchmark flag '%s' ignored\n", mine[i]);
}

int cnb_gb_register(const cnb_gb_bench *b)
{
    if (!b || !b->name || !b->fn)
        return -1;
    g_regs.push_back(Registration{*b, b->name});
    Registration *reg = &g_regs.back();
    reg->b.name = reg->name.c_str();
    g_ctx_of[reg->name] = reg->b.ctx;
    benchmark::internal::Benchmark *bm = benchmark::RegisterBenchmark(
        reg->name.c_str(), [reg](benchmark::State &st) { body(st, *reg); });
    if (!bm)
        return -1;
    bm->UseRealTime();   // OpenMP bodies: the calling thread's CPU time is meaningless
    bm->Unit(benchmark::kMicrosecond);
    if (b->repetitions > 0 && !g_flag_repetitions)
        bm->Repetitions(b->repetitions);
    if (b->min_time > 0 && !g_flag_min_time)
        bm->MinTime(b->min_time);
    return 0;
}

void cnb_gb_set_reporter(cnb_gb_report_fn fn, void *user)
{
    g_report = fn;
    g_report_user = user;
}

void cnb_gb_set_quiet(int quiet)
{
    g_quiet = quiet != 0;
}

int cnb_gb_run(void)
{
    CReporter reporter;
    size_t n = benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();
    g_regs.clear();
    g_ctx_of.clear();
    return (int)n;
}

void cnb_gb_shutdown(void)
{
    benchmark::Shutdown();
}

}  // extern "C"
