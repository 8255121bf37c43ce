# Sourced by the CPU peer benchmarks (tools/bench-vs-pytorch.sh, tools/bench-gemm.sh): sets
# OPENBLAS_CORETYPE for the OpenBLAS side from PEER_CORETYPE, default SkylakeX on a CPU with
# AVX-512 (Debian's OpenBLAS 0.3.21 takes Zen 4/5 for Haswell and runs its AVX2 kernels at half
# speed). An OPENBLAS_CORETYPE inherited from the environment (our machines export Haswell) is
# replaced, and said so. Leaves the choice in $coretype (empty: OpenBLAS detects the core).
inherited=${OPENBLAS_CORETYPE:-}
unset OPENBLAS_CORETYPE
coretype=${PEER_CORETYPE:-}
if [ -z "$coretype" ] && grep -qw avx512f /proc/cpuinfo; then
  coretype=SkylakeX
fi
[ -z "$coretype" ] || export OPENBLAS_CORETYPE=$coretype
[ -z "$inherited" ] || [ "$inherited" = "$coretype" ] || echo "note: the inherited OPENBLAS_CORETYPE=$inherited is replaced by ${coretype:-the detected core} (PEER_CORETYPE picks another)"
