// The single translation unit nvcc compiles into betavae.fatbin, and that the host harness compiles
// with g++: one compile for every kernel family keeps the build fast.
#include "dense.cu"
#include "dense_tf32.cu"
#include "vae.cu"
#include "likelihood.cu"
#include "adam.cu"
#include "data.cu"
#include "rng.cu"
#include "guard.cu"
#include "objective.cu"
#include "conv.cu"
