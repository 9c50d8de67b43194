/* Which peer libraries this binary was built with, and which ones this machine has installed but
 * the binary lacks (a build older than the install): for the bench header, the CSV's `peers`
 * column and the warning that a row the user expects is missing (status.c). And what the peers run
 * at: the ISA class of a library's kernel and the cap it is held to (isa.c). */
#ifndef CNB_HARNESS_PEERS_PEERS_H
#define CNB_HARNESS_PEERS_PEERS_H

#include <stdio.h>

#include "arch/cpu.h"
#include "kernels/problem.h"

/* The peers built in, space-separated in dispatch order ("onednn openblas blis"); "" for none. */
const char *cnb_peers_built(void);

/* One line on f for each peer whose Debian development package is installed on this machine but
 * that this binary was built without; returns how many. */
int cnb_peers_warn_missing(FILE *f);

/* 1 when this CPU has AVX-512 but the cap (CNB_MAX_ISA, --max-isa) forbids it: a peer library must
 * then be held to AVX2 too (oneDNN: dnnl_set_max_cpu_isa; OpenBLAS: OPENBLAS_CORETYPE before it
 * loads), so that a capped run compares AVX2 with AVX2. */
int cnb_peer_capped_to_avx2(void);

/* The ISA level of a kernel named by a peer library (case-insensitive): "avx512" anywhere (oneDNN's
 * "brg:avx512_core", BLIS's "skx", OpenBLAS's "SkylakeX") is CNB_ISA_AVX512, an AVX2 name is
 * CNB_ISA_AVX2; anything else (reference code, SSE/AVX-only cores, BLIS's "generic") is
 * CNB_ISA_SCALAR: none of our vector levels. */
cnb_isa cnb_peer_isa_of(const char *kernel);

/* The same for a kernel computing in data type t (the src type): f32 as cnb_peer_isa_of; bf16 and
 * int8 at the level of the dot-product instructions the named ISA has, so that the % of peak is
 * that of the instructions the code may run: AMX ("amx") for both; bf16: oneDNN's
 * avx512_core_bf16, avx512_core_fp16 and avx10 are CNB_ISA_AVX512_BF16; int8: those and
 * avx512_core_vnni are CNB_ISA_AVX512_VNNI, avx2_vnni CNB_ISA_AVX_VNNI. Otherwise (plain
 * avx512_core, avx2: bf16 emulated with f32 FMAs, int8 with vpmaddubsw) the f32 level. */
cnb_isa cnb_peer_isa_of_dt(const char *kernel, cnb_dt t);

#endif
