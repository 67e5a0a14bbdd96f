#ifndef WAVEDEFECT_CFFTW_SHIM_H
#define WAVEDEFECT_CFFTW_SHIM_H
#include <fftw3.h>
#endif
