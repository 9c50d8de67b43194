/* Roofline probes: the FP32 FMA peak of each ISA and the triad bandwidth of each memory level,
 * measured on this machine for 1..cores threads (each pinned to its own core), cached in memory
 * and in a small text file so `cnnbench` pays the few seconds of probing once per machine. */
#ifndef CNB_ARCH_PEAK_H
#define CNB_ARCH_PEAK_H

#include <stdio.h>

#include "arch/cpu.h"

/* Memory level a triad probe runs from. Sizes per thread (topology from arch/topo.h):
 * L1 = half of L1d, L2 = half of L2, DRAM = total max(8 x clamped L3, 256 MiB) split across the
 * threads (at most 1 GiB and 1/8 of RAM). */
typedef enum { CNB_BW_DRAM, CNB_BW_L2, CNB_BW_L1, CNB_BW_COUNT } cnb_bw_level;

/* Flags for cnb_peak_load_or_measure. */
enum {
    CNB_PEAK_REMEASURE = 1 << 0, /* ignore any cache file, measure everything, rewrite the file */
    CNB_PEAK_NO_SAVE   = 1 << 1, /* never write a cache file */
    CNB_PEAK_VERBOSE   = 1 << 2, /* one stderr line per probe while measuring */
};

/* The input type of a compute probe: FP32 FMA, bf16 dot products (FP32 accumulation), int8
 * dot products (u8 x s8, int32 accumulation). Each ISA row of arch/isa_<arch>.def says which
 * of them its headline instruction does. */
typedef enum { CNB_PT_F32, CNB_PT_BF16, CNB_PT_INT8, CNB_PT_COUNT } cnb_peak_type;
/* "f32", "bf16", "int8". */
const char *cnb_peak_type_name(cnb_peak_type t);

/* Compute peak in GFLOP/s (int8: GOP/s, a multiply and an add counting two, as for FLOPs) of
 * `isa`'s `type` probe with nthreads threads (clamped to 1..cores): best of many 2 ms runs of
 * independent accumulator chains after a 20 ms warm-up. Returns the cached value or measures
 * it now (~0.12 s); 0 when the CPU cannot run the ISA or the ISA has no such probe (the
 * CNB_MAX_ISA cap is ignored: the table describes the machine). CNB_ISA_SCALAR means one
 * lane per instruction (plain C, a*b+c), so a compiler-vectorised "scalar" kernel can exceed it. */
double cnb_peak_gflops(cnb_isa isa, cnb_peak_type type, int nthreads);
/* The FP32 FMA peak: cnb_peak_gflops(isa, CNB_PT_F32, nthreads). */
double cnb_peak_fma_gflops(cnb_isa isa, int nthreads);

/* Triad a[i] = b[i] + s*c[i] bandwidth in GB/s (1e9 bytes/s) at `level` with nthreads threads,
 * counting 12 bytes per element (read b and c, write a; the write-allocate read of a is not
 * counted, as in STREAM). Uses the widest usable ISA. Cached or measured now like the FMA peak. */
double cnb_peak_bw_gbs(cnb_bw_level level, int nthreads);

/* Fill the whole table (every usable ISA and every level, for 1..cores threads): read it from
 * cache_path (NULL = cnb_peak_default_path) when the file exists and its key (CPU model + cores)
 * matches, measure what is missing, and save the file when something was measured (unless
 * CNB_PEAK_NO_SAVE). Returns 0 when everything came from the file, 1 when something was measured
 * (and saved, if asked), -1 when saving failed (the values in memory are still good). */
int cnb_peak_load_or_measure(const char *cache_path, int flags);

/* Default cache file: $XDG_CACHE_HOME/cnnbench/peak-<key>.txt, else ~/.cache/cnnbench/...,
 * else /tmp/cnnbench-peak-<key>.txt; <key> is the CPU model and core count made file-safe. */
void cnb_peak_default_path(char *buf, int size);
/* The same place for another per-machine file: <dir>/<what>-<key>.txt (the planner's wisdom). */
void cnb_machine_cache_path(const char *what, char *buf, int size);

/* Where the table came from, for reports: "file <path>", "measured in 1.23 s, saved to <path>",
 * "measured in 1.23 s (not saved)", or "not measured". Static storage. */
const char *cnb_peak_source(void);

/* "dram", "l2", "l1". */
const char *cnb_bw_level_name(cnb_bw_level level);

/* Print the table (one line per ISA or level: values for 1..cores threads) to f. */
void cnb_peak_print(FILE *f);

/* ---- per-ISA probe kernels (arch/peak_<isa>.c); used by arch/peak.c only ---- */

/* Run `iters` iterations of independent accumulator chains; returns the operations done (2 per
 * multiply-add, per lane and per product: an FP32 FMA lane is 2, a bf16 pair dot lane 4, an
 * int8 quad dot lane 8) and stores a value depending on every accumulator in *sink. */
typedef double (*cnb_peak_fma_fn)(long iters, float *sink);
/* a[i] = b[i] + s*c[i] for i < n; arrays 64-byte aligned, n a multiple of 64. */
typedef void (*cnb_peak_triad_fn)(float *restrict a, const float *restrict b,
                                  const float *restrict c, float s, long n);

/* Declared from the ISA table: cnb_peak_<type>__<name> and cnb_peak_triad__<name> where the row
 * says it has them, for the rows of this architecture. */
#define CNB_PEAK_DECL_0(type, name)
#define CNB_PEAK_DECL_1(type, name) double cnb_peak_##type##__##name(long iters, float *sink);
#define CNB_PEAK_TRIAD_DECL_0(name)
#define CNB_PEAK_TRIAD_DECL_1(name)                                                             \
    void cnb_peak_triad__##name(float *restrict a, const float *restrict b,                   \
                                const float *restrict c, float s, long n);
#define CNB_ISA(id, name, features, flags, has_f32, has_bf16, has_int8, has_triad)                             \
    CNB_PEAK_DECL_##has_f32(f32, name) CNB_PEAK_DECL_##has_bf16(bf16, name)                            \
    CNB_PEAK_DECL_##has_int8(int8, name) CNB_PEAK_TRIAD_DECL_##has_triad(name)
CNB_ISA(SCALAR, scalar, 0, "", 1, 0, 0, 1)
#if defined(__x86_64__)
#include "arch/isa_x86_64.def"
#elif defined(__aarch64__)
#include "arch/isa_aarch64.def"
#endif
#undef CNB_ISA

#endif
