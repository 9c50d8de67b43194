reset
set title "Roofline, 1 thread(s): every validated conv/fc/gemm row (amd-epyc-f25m17-2c)" noenhanced
set xlabel "arithmetic intensity (dense FLOP / compulsory byte)"
set ylabel "GFLOP/s"
set key outside right top noenhanced
set grid
set datafile missing "?"
set linetype 1 lc rgb "#1f77b4" lw 1.5 dt 1 pt 7
set linetype 2 lc rgb "#d62728" lw 1.5 dt 1 pt 7
set linetype 3 lc rgb "#2ca02c" lw 1.5 dt 1 pt 7
set linetype 4 lc rgb "#ff7f0e" lw 1.5 dt 1 pt 7
set linetype 5 lc rgb "#9467bd" lw 1.5 dt 1 pt 7
set linetype 6 lc rgb "#8c564b" lw 1.5 dt 1 pt 7
set linetype 7 lc rgb "#e377c2" lw 1.5 dt 1 pt 7
set linetype 8 lc rgb "#17becf" lw 1.5 dt 1 pt 7
set linetype 9 lc rgb "#7f7f7f" lw 1.5 dt 1 pt 7
set linetype 10 lc rgb "#bcbd22" lw 1.5 dt 1 pt 7
set linetype 11 lc rgb "#000000" lw 1.5 dt 1 pt 7
set linetype 12 lc rgb "#393b79" lw 1.5 dt 1 pt 7
set linetype 13 lc rgb "#1f77b4" lw 1.5 dt 2 pt 5
set linetype 14 lc rgb "#d62728" lw 1.5 dt 2 pt 5
set linetype 15 lc rgb "#2ca02c" lw 1.5 dt 2 pt 5
set linetype 16 lc rgb "#ff7f0e" lw 1.5 dt 2 pt 5
set linetype 17 lc rgb "#9467bd" lw 1.5 dt 2 pt 5
set linetype 18 lc rgb "#8c564b" lw 1.5 dt 2 pt 5
set linetype 19 lc rgb "#e377c2" lw 1.5 dt 2 pt 5
set linetype 20 lc rgb "#17becf" lw 1.5 dt 2 pt 5
set linetype 21 lc rgb "#7f7f7f" lw 1.5 dt 2 pt 5
set linetype 22 lc rgb "#bcbd22" lw 1.5 dt 2 pt 5
set linetype 23 lc rgb "#000000" lw 1.5 dt 2 pt 5
set linetype 24 lc rgb "#393b79" lw 1.5 dt 2 pt 5
set linetype cycle 24
set logscale xy
set xrange [0.1:10000]
set yrange [0.5:1382]
set terminal pngcairo size 1000,600 noenhanced font "sans,9"
set output "roofline_t1.png"
plot 'roofline_t1_conv_avx512_fewic.dat' using 1:2 title 'conv/avx512_fewic' with points lt 1 pt 5 ps 0.8, 'roofline_t1_conv_avx2_fewic.dat' using 1:2 title 'conv/avx2_fewic' with points lt 2 pt 6 ps 0.8, 'roofline_t1_conv_avx512_direct.dat' using 1:2 title 'conv/avx512_direct' with points lt 3 pt 7 ps 0.8, 'roofline_t1_conv_avx2_direct.dat' using 1:2 title 'conv/avx2_direct' with points lt 4 pt 8 ps 0.8, 'roofline_t1_conv_onednn.dat' using 1:2 title 'conv/onednn' with points lt 5 pt 9 ps 0.8, 'roofline_t1_conv_onednn_gomp.dat' using 1:2 title 'conv/onednn_gomp' with points lt 6 pt 10 ps 0.8, 'roofline_t1_conv_avx512_bf16_fewic_bf16_.dat' using 1:2 title 'conv/avx512_bf16_fewic[bf16]' with points lt 7 pt 11 ps 0.8, 'roofline_t1_conv_avx512_bf16_direct_bf16_.dat' using 1:2 title 'conv/avx512_bf16_direct[bf16]' with points lt 8 pt 12 ps 0.8, 'roofline_t1_conv_onednn_bf16_.dat' using 1:2 title 'conv/onednn[bf16]' with points lt 9 pt 13 ps 0.8, 'roofline_t1_conv_onednn_gomp_bf16_.dat' using 1:2 title 'conv/onednn_gomp[bf16]' with points lt 10 pt 5 ps 0.8, 'roofline_t1_conv_avx512_vnni_fewic_u8_s8_u8_.dat' using 1:2 title 'conv/avx512_vnni_fewic[u8:s8:u8]' with points lt 11 pt 6 ps 0.8, 'roofline_t1_conv_avx512_vnni_direct_u8_s8_u8_.dat' using 1:2 title 'conv/avx512_vnni_direct[u8:s8:u8]' with points lt 12 pt 7 ps 0.8, 'roofline_t1_conv_onednn_u8_s8_u8_.dat' using 1:2 title 'conv/onednn[u8:s8:u8]' with points lt 1 pt 8 ps 0.8, 'roofline_t1_conv_onednn_gomp_u8_s8_u8_.dat' using 1:2 title 'conv/onednn_gomp[u8:s8:u8]' with points lt 2 pt 9 ps 0.8, 'roofline_t1_gemm_avx512_14x32.dat' using 1:2 title 'gemm/avx512_14x32' with points lt 3 pt 10 ps 0.8, 'roofline_t1_gemm_avx2_6x16.dat' using 1:2 title 'gemm/avx2_6x16' with points lt 4 pt 11 ps 0.8, 'roofline_t1_gemm_onednn.dat' using 1:2 title 'gemm/onednn' with points lt 5 pt 12 ps 0.8, 'roofline_t1_gemm_onednn_gomp.dat' using 1:2 title 'gemm/onednn_gomp' with points lt 6 pt 13 ps 0.8, 'roofline_t1_gemm_mkl.dat' using 1:2 title 'gemm/mkl' with points lt 7 pt 5 ps 0.8, 'roofline_t1_gemm_avx512_bf16_14x32_bf16_.dat' using 1:2 title 'gemm/avx512_bf16_14x32[bf16]' with points lt 8 pt 6 ps 0.8, 'roofline_t1_gemm_onednn_gomp_bf16_.dat' using 1:2 title 'gemm/onednn_gomp[bf16]' with points lt 9 pt 7 ps 0.8, 'roofline_t1_gemm_avx512_vnni_14x32_u8_s8_u8_.dat' using 1:2 title 'gemm/avx512_vnni_14x32[u8:s8:u8]' with points lt 10 pt 8 ps 0.8, 'roofline_t1_gemm_onednn_gomp_u8_s8_u8_.dat' using 1:2 title 'gemm/onednn_gomp[u8:s8:u8]' with points lt 11 pt 9 ps 0.8, 118.2 title 'avx512 peak 118.2' with lines lw 2, 117.7 title 'avx2 peak 117.7' with lines lw 2, 236.4 title 'avx512_bf16[bf16] peak 236.4' with lines lw 2, 460.8 title 'avx512_vnni[u8:s8:u8] peak 460.8' with lines lw 2, 12.3 title 'scalar peak 12.3' with lines lw 2, 20.34*x title 'DRAM 20.3 GB/s' with lines dt 2 lc rgb 'black'
set terminal svg size 1000,600 noenhanced font "sans,9"
set output "roofline_t1.svg"
plot 'roofline_t1_conv_avx512_fewic.dat' using 1:2 title 'conv/avx512_fewic' with points lt 1 pt 5 ps 0.8, 'roofline_t1_conv_avx2_fewic.dat' using 1:2 title 'conv/avx2_fewic' with points lt 2 pt 6 ps 0.8, 'roofline_t1_conv_avx512_direct.dat' using 1:2 title 'conv/avx512_direct' with points lt 3 pt 7 ps 0.8, 'roofline_t1_conv_avx2_direct.dat' using 1:2 title 'conv/avx2_direct' with points lt 4 pt 8 ps 0.8, 'roofline_t1_conv_onednn.dat' using 1:2 title 'conv/onednn' with points lt 5 pt 9 ps 0.8, 'roofline_t1_conv_onednn_gomp.dat' using 1:2 title 'conv/onednn_gomp' with points lt 6 pt 10 ps 0.8, 'roofline_t1_conv_avx512_bf16_fewic_bf16_.dat' using 1:2 title 'conv/avx512_bf16_fewic[bf16]' with points lt 7 pt 11 ps 0.8, 'roofline_t1_conv_avx512_bf16_direct_bf16_.dat' using 1:2 title 'conv/avx512_bf16_direct[bf16]' with points lt 8 pt 12 ps 0.8, 'roofline_t1_conv_onednn_bf16_.dat' using 1:2 title 'conv/onednn[bf16]' with points lt 9 pt 13 ps 0.8, 'roofline_t1_conv_onednn_gomp_bf16_.dat' using 1:2 title 'conv/onednn_gomp[bf16]' with points lt 10 pt 5 ps 0.8, 'roofline_t1_conv_avx512_vnni_fewic_u8_s8_u8_.dat' using 1:2 title 'conv/avx512_vnni_fewic[u8:s8:u8]' with points lt 11 pt 6 ps 0.8, 'roofline_t1_conv_avx512_vnni_direct_u8_s8_u8_.dat' using 1:2 title 'conv/avx512_vnni_direct[u8:s8:u8]' with points lt 12 pt 7 ps 0.8, 'roofline_t1_conv_onednn_u8_s8_u8_.dat' using 1:2 title 'conv/onednn[u8:s8:u8]' with points lt 1 pt 8 ps 0.8, 'roofline_t1_conv_onednn_gomp_u8_s8_u8_.dat' using 1:2 title 'conv/onednn_gomp[u8:s8:u8]' with points lt 2 pt 9 ps 0.8, 'roofline_t1_gemm_avx512_14x32.dat' using 1:2 title 'gemm/avx512_14x32' with points lt 3 pt 10 ps 0.8, 'roofline_t1_gemm_avx2_6x16.dat' using 1:2 title 'gemm/avx2_6x16' with points lt 4 pt 11 ps 0.8, 'roofline_t1_gemm_onednn.dat' using 1:2 title 'gemm/onednn' with points lt 5 pt 12 ps 0.8, 'roofline_t1_gemm_onednn_gomp.dat' using 1:2 title 'gemm/onednn_gomp' with points lt 6 pt 13 ps 0.8, 'roofline_t1_gemm_mkl.dat' using 1:2 title 'gemm/mkl' with points lt 7 pt 5 ps 0.8, 'roofline_t1_gemm_avx512_bf16_14x32_bf16_.dat' using 1:2 title 'gemm/avx512_bf16_14x32[bf16]' with points lt 8 pt 6 ps 0.8, 'roofline_t1_gemm_onednn_gomp_bf16_.dat' using 1:2 title 'gemm/onednn_gomp[bf16]' with points lt 9 pt 7 ps 0.8, 'roofline_t1_gemm_avx512_vnni_14x32_u8_s8_u8_.dat' using 1:2 title 'gemm/avx512_vnni_14x32[u8:s8:u8]' with points lt 10 pt 8 ps 0.8, 'roofline_t1_gemm_onednn_gomp_u8_s8_u8_.dat' using 1:2 title 'gemm/onednn_gomp[u8:s8:u8]' with points lt 11 pt 9 ps 0.8, 118.2 title 'avx512 peak 118.2' with lines lw 2, 117.7 title 'avx2 peak 117.7' with lines lw 2, 236.4 title 'avx512_bf16[bf16] peak 236.4' with lines lw 2, 460.8 title 'avx512_vnni[u8:s8:u8] peak 460.8' with lines lw 2, 12.3 title 'scalar peak 12.3' with lines lw 2, 20.34*x title 'DRAM 20.3 GB/s' with lines dt 2 lc rgb 'black'
