// Shared memory for the emulator, after prelude_cuda.h (see emulator.h): fixed-size shared arrays
// become static (one copy, shared by the running block's threads), and the dynamic shared memory
// is this array.
#undef LOCAL_ARRAY
#define LOCAL_ARRAY static
float jmaeShared[1 << 16];
