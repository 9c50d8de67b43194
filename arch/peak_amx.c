/* AMX compute probes (compiled with the amx row's flags): tile dot products into four 16x16
 * FP32/int32 accumulator tiles from two A and two B tiles (the 2x2 register blocking a GEMM
 * kernel uses), so every instruction's inputs are already in tiles and the accumulators are
 * independent. One tdpbf16ps is 16x16 outputs x 32 bf16 products = 16384 FLOPs; one tdpbusd is
 * 16x16 x 64 u8 x s8 products = 32768 operations. Each call configures the tiles of its own
 * thread and releases them; the process's permission to use tile data is asked for by cpu.c
 * when it detects AMX (no permission: no AMX feature bit, so this never runs). */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "arch/peak.h"

/* The 64-byte tile configuration, palette 1: tiles 0..7 all 16 rows of 64 bytes. */
typedef struct {
    uint8_t palette_id;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* Palette 1, tiles 0..7 all 16 rows of 64 bytes. A static const: GCC 12 was seen to drop the
 * stores that fill such a structure on the stack before ldtilecfg reads it (the AMX GEMM kernel's
 * tile config faulted that way), since ldtilecfg's memory read is invisible to it. */
static const tile_config config = {
    .palette_id = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

/* Tiles 0..3 zeroed (the accumulators), 4..7 loaded from the 1 KiB `ab` (A and B: 16 rows of 64
 * bytes), then `iters` times the 2×2 product of A tiles 4, 5 by B tiles 6, 7 with dot product
 * `op`; the caller stores and releases. */
#define TILE_LOOP(op, ab, iters)                                                                 \
    do {                                                                                         \
        _tile_loadconfig(&config);                                                               \
        _tile_zero(0);                                                                           \
        _tile_zero(1);                                                                           \
        _tile_zero(2);                                                                           \
        _tile_zero(3);                                                                           \
        _tile_loadd(4, ab, 64);                                                                  \
        _tile_loadd(5, ab, 64);                                                                  \
        _tile_loadd(6, ab, 64);                                                                  \
        _tile_loadd(7, ab, 64);                                                                  \
        for (long it = 0; it < (iters); it++) {                                                  \
            op(0, 4, 6);                                                                         \
            op(1, 4, 7);                                                                         \
            op(2, 5, 6);                                                                         \
            op(3, 5, 7);                                                                         \
        }                                                                                        \
    } while (0)

/* Stores the accumulator tiles, releases them, and returns a value depending on each. */
static float finish_f32(void)
{
    float c[4][16 * 16];
    _tile_stored(0, c[0], 64);
    _tile_stored(1, c[1], 64);
    _tile_stored(2, c[2], 64);
    _tile_stored(3, c[3], 64);
    _tile_release();
    return c[0][0] + c[1][17] + c[2][34] + c[3][255];
}

double cnb_peak_bf16__amx(long iters, float *sink)
{
    static const uint16_t small = 0x3a83;   /* bf16 1.0e-3 */
    uint16_t ab[16 * 32] __attribute__((aligned(64)));
    for (int i = 0; i < 16 * 32; i++) ab[i] = small;
    TILE_LOOP(_tile_dpbf16ps, ab, iters);
    *sink = finish_f32();
    return (double)iters * 4 * 16 * 16 * 32 * 2;
}

double cnb_peak_int8__amx(long iters, float *sink)
{
    uint8_t ab[16 * 64] __attribute__((aligned(64)));
    memset(ab, 1, sizeof ab);
    TILE_LOOP(_tile_dpbusd, ab, iters);
    int32_t c[16 * 16];
    _tile_stored(0, c, 64);
    _tile_release();
    *sink = (float)c[0];
    return (double)iters * 4 * 16 * 16 * 64 * 2;
}
