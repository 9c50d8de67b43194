set terminal pngcairo size 1400,600 noenhanced font "sans,9"
set output "20261130-162640-8b30c05-arguments-report.png"
set title "design arguments: claimed FLOP saving and measured time saving (baseline / alternative, fastest code)" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing "?"
set logscale y 2
set grid ytics
set ylabel "ratio (log scale)"
set xtics rotate by -60 noenhanced
set key top right
plot "20261130-162640-8b30c05-arguments-report.dat" using 2:xtic(1) title "claimed (FLOPs)", "" using 3 title "measured t=1", "" using 4 title "measured t=2"
