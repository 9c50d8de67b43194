# Draws every chart: gnuplot plots.gp (run in this folder)
load 'densenet_121_t1.gp'
load 'densenet_121_t2.gp'
load 'pool_t1.gp'
load 'roofline_t1.gp'
load 'pool_t2.gp'
load 'roofline_t2.gp'
load 'scaling.gp'
