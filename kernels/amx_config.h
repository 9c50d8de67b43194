/* The AMX tile configuration the kernels load (palette 1): tiles 0..7 of 16 rows × 64 bytes, the
 * whole shape of every tile our AMX GEMM and convolution use. Shared by kernels/gemm/amx.c and
 * kernels/conv/direct_amx.c; include only from files compiled for the amx level.
 *
 * A constant in memory, not a local filled in before ldtilecfg: GCC 12 does not see that the
 * instruction reads the 64 bytes and drops the stores that fill a local (the configuration then
 * loaded is invalid and the instruction faults). */
#ifndef CNB_KERNELS_AMX_CONFIG_H
#define CNB_KERNELS_AMX_CONFIG_H

#include <stdint.h>

typedef struct cnb_amx_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} cnb_amx_config;

static const cnb_amx_config cnb_amx_config_16x64 = {
    .palette = 1,
    .colsb = {64, 64, 64, 64, 64, 64, 64, 64},
    .rows = {16, 16, 16, 16, 16, 16, 16, 16},
};

#endif
