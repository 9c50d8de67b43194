/* The tile lists of the conv micro-kernels: each ISA file states its tiles once, and both its
 * blocking table (driver.h) and the instances its switches select are produced from that one
 * statement, so the table can never allow a tile that was not compiled, nor the other way round.
 *
 * An ISA file writes, with plain integer literals (they are pasted into macro names):
 *   #define ROW_TILES(X) X(1, 24) X(2, 14) X(3, 8) X(4, 6)   (nb, ur_max): nb = 1, 2, ... in order
 *   #define DW_UR_MAX 16                                      pixels per depthwise call
 * and then uses
 *   CNB_CONV_NB_COUNT(ROW_TILES)       nb_max of the table
 *   CNB_CONV_UR_MAX_BY_NB(ROW_TILES)   its ur_max array, {0, ur_max(1), ur_max(2), ...}
 *   CNB_CONV_FOR_UR(n, X, arg)         X(arg, 1) X(arg, 2) ... X(arg, n): the cases of a switch
 *   CNB_CONV_TILE_KEY(nb, ur)          the switch key of a row tile
 *   CNB_CONV_CHECK_TILES(ROW_TILES);   once, at file scope
 * A list that skips or repeats an nb fails to compile (CNB_CONV_CHECK_TILES, and -Woverride-init
 * for a repeat); so does an ur_max beyond CNB_CONV_UR_LADDER. */
#ifndef CNB_KERNELS_CONV_TILES_H
#define CNB_KERNELS_CONV_TILES_H

#include "kernels/conv/ukernel.h"

#define CNB_CONV_NB_COUNT(list) (0 list(CNB_CONV_TILE_COUNT_))
#define CNB_CONV_TILE_COUNT_(nb, n) + 1
#define CNB_CONV_UR_MAX_BY_NB(list) {0 list(CNB_CONV_TILE_UR_)}
#define CNB_CONV_TILE_UR_(nb, n) , [nb] = n

/* The list names nb = 1 .. its length, each once (a repeat trips -Woverride-init, so the
 * largest nb equals the length exactly when none is skipped), at most CNB_CONV_NB_MAX, and every
 * ur_max is at least 1. */
#define CNB_CONV_CHECK_TILES(list)                                                                \
    _Static_assert(sizeof((int[])CNB_CONV_UR_MAX_BY_NB(list)) / sizeof(int) ==                   \
                           CNB_CONV_NB_COUNT(list) + 1 &&                                         \
                       CNB_CONV_NB_COUNT(list) <= CNB_CONV_NB_MAX && (1 list(CNB_CONV_TILE_UR_OK_)), \
                   #list ": nb must run 1, 2, ... (at most CNB_CONV_NB_MAX), each ur_max >= 1")
#define CNB_CONV_TILE_UR_OK_(nb, n) && (n) >= 1

/* Switch keys of the row tiles: ur below 64 (the ladder ends well before). */
#define CNB_CONV_TILE_KEY(nb, ur) ((nb) * 64 + (ur))

/* X(arg, 1) ... X(arg, n) for a literal n ≤ CNB_CONV_UR_LADDER (n may be a macro naming one). */
#define CNB_CONV_UR_LADDER 32
#define CNB_CONV_FOR_UR(n, X, arg) CNB_CONV_FOR_UR_(n, X, arg)
#define CNB_CONV_FOR_UR_(n, X, arg) CNB_CONV_UR_UPTO_##n(X, arg)
#define CNB_CONV_UR_UPTO_1(X, a) X(a, 1)
#define CNB_CONV_UR_UPTO_2(X, a) CNB_CONV_UR_UPTO_1(X, a) X(a, 2)
#define CNB_CONV_UR_UPTO_3(X, a) CNB_CONV_UR_UPTO_2(X, a) X(a, 3)
#define CNB_CONV_UR_UPTO_4(X, a) CNB_CONV_UR_UPTO_3(X, a) X(a, 4)
#define CNB_CONV_UR_UPTO_5(X, a) CNB_CONV_UR_UPTO_4(X, a) X(a, 5)
#define CNB_CONV_UR_UPTO_6(X, a) CNB_CONV_UR_UPTO_5(X, a) X(a, 6)
#define CNB_CONV_UR_UPTO_7(X, a) CNB_CONV_UR_UPTO_6(X, a) X(a, 7)
#define CNB_CONV_UR_UPTO_8(X, a) CNB_CONV_UR_UPTO_7(X, a) X(a, 8)
#define CNB_CONV_UR_UPTO_9(X, a) CNB_CONV_UR_UPTO_8(X, a) X(a, 9)
#define CNB_CONV_UR_UPTO_10(X, a) CNB_CONV_UR_UPTO_9(X, a) X(a, 10)
#define CNB_CONV_UR_UPTO_11(X, a) CNB_CONV_UR_UPTO_10(X, a) X(a, 11)
#define CNB_CONV_UR_UPTO_12(X, a) CNB_CONV_UR_UPTO_11(X, a) X(a, 12)
#define CNB_CONV_UR_UPTO_13(X, a) CNB_CONV_UR_UPTO_12(X, a) X(a, 13)
#define CNB_CONV_UR_UPTO_14(X, a) CNB_CONV_UR_UPTO_13(X, a) X(a, 14)
#define CNB_CONV_UR_UPTO_15(X, a) CNB_CONV_UR_UPTO_14(X, a) X(a, 15)
#define CNB_CONV_UR_UPTO_16(X, a) CNB_CONV_UR_UPTO_15(X, a) X(a, 16)
#define CNB_CONV_UR_UPTO_17(X, a) CNB_CONV_UR_UPTO_16(X, a) X(a, 17)
#define CNB_CONV_UR_UPTO_18(X, a) CNB_CONV_UR_UPTO_17(X, a) X(a, 18)
#define CNB_CONV_UR_UPTO_19(X, a) CNB_CONV_UR_UPTO_18(X, a) X(a, 19)
#define CNB_CONV_UR_UPTO_20(X, a) CNB_CONV_UR_UPTO_19(X, a) X(a, 20)
#define CNB_CONV_UR_UPTO_21(X, a) CNB_CONV_UR_UPTO_20(X, a) X(a, 21)
#define CNB_CONV_UR_UPTO_22(X, a) CNB_CONV_UR_UPTO_21(X, a) X(a, 22)
#define CNB_CONV_UR_UPTO_23(X, a) CNB_CONV_UR_UPTO_22(X, a) X(a, 23)
#define CNB_CONV_UR_UPTO_24(X, a) CNB_CONV_UR_UPTO_23(X, a) X(a, 24)
#define CNB_CONV_UR_UPTO_25(X, a) CNB_CONV_UR_UPTO_24(X, a) X(a, 25)
#define CNB_CONV_UR_UPTO_26(X, a) CNB_CONV_UR_UPTO_25(X, a) X(a, 26)
#define CNB_CONV_UR_UPTO_27(X, a) CNB_CONV_UR_UPTO_26(X, a) X(a, 27)
#define CNB_CONV_UR_UPTO_28(X, a) CNB_CONV_UR_UPTO_27(X, a) X(a, 28)
#define CNB_CONV_UR_UPTO_29(X, a) CNB_CONV_UR_UPTO_28(X, a) X(a, 29)
#define CNB_CONV_UR_UPTO_30(X, a) CNB_CONV_UR_UPTO_29(X, a) X(a, 30)
#define CNB_CONV_UR_UPTO_31(X, a) CNB_CONV_UR_UPTO_30(X, a) X(a, 31)
#define CNB_CONV_UR_UPTO_32(X, a) CNB_CONV_UR_UPTO_31(X, a) X(a, 32)

#endif
