/*
 * A stand-in for libnvrtc.so for testing the Java NVRTC bindings without NVRTC. nvrtc.h is not on
 * our machines, so the types and prototypes are declared here as DocumentedAbi writes them (from
 * NVIDIA's documentation); what this checks is the Java side's marshalling (strings, the options
 * array, out-parameters, the log), not the documentation.
 *
 * "Compiling" succeeds unless the source contains "#error"; the CUBIN is "CUBIN:" followed by the
 * options (one per line) and the source; PTX is "PTX:" and the same, NUL-terminated.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

typedef int nvrtcResult;
typedef struct { char *src; char *out; char *log; } program;
typedef program *nvrtcProgram;

const char *nvrtcGetErrorString(nvrtcResult result) {
    switch (result) {
        case 0: return "NVRTC_SUCCESS";
        case 6: return "NVRTC_ERROR_COMPILATION";
        default: return "NVRTC_ERROR unknown";
    }
}

nvrtcResult nvrtcVersion(int *major, int *minor) { *major = 13; *minor = 0; return 0; }

static const int archs[] = {75, 80, 86, 87, 89, 90, 100, 120};
nvrtcResult nvrtcGetNumSupportedArchs(int *numArchs) { *numArchs = 8; return 0; }
nvrtcResult nvrtcGetSupportedArchs(int *supportedArchs) { memcpy(supportedArchs, archs, sizeof archs); return 0; }

nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders,
                               const char * const *headers, const char * const *includeNames) {
    (void) name; (void) headers; (void) includeNames;
    if (numHeaders != 0) return 3;
    program *p = calloc(1, sizeof(program));
    p->src = strdup(src);
    *prog = p;
    return 0;
}

nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog) {
    program *p = *prog;
    free(p->src); free(p->out); free(p->log); free(p);
    *prog = NULL;
    return 0;
}

nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options) {
    if (strstr(prog->src, "#error") != NULL) {
        prog->log = strdup("fake.cu(1): error: #error directive");
        return 6;
    }
    int ptx = 0;
    size_t n = 6 + strlen(prog->src) + 1;
    for (int i = 0; i < numOptions; i++) {
        n += strlen(options[i]) + 1;
        if (strncmp(options[i], "--gpu-architecture=compute_", 27) == 0) ptx = 1;
    }
    prog->out = malloc(n);
    strcpy(prog->out, ptx ? "PTX:" : "CUBIN:");
    for (int i = 0; i < numOptions; i++) { strcat(prog->out, options[i]); strcat(prog->out, "\n"); }
    strcat(prog->out, prog->src);
    prog->log = strdup("");
    return 0;
}

nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet) { *logSizeRet = prog->log ? strlen(prog->log) + 1 : 1; return 0; }
nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log) { strcpy(log, prog->log ? prog->log : ""); return 0; }
/* CUBIN is binary: its size has no terminator; PTX's size includes the NUL */
nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t *cubinSizeRet) { *cubinSizeRet = strlen(prog->out); return 0; }
nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char *cubin) { memcpy(cubin, prog->out, strlen(prog->out)); return 0; }
nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet) { *ptxSizeRet = strlen(prog->out) + 1; return 0; }
nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx) { strcpy(ptx, prog->out); return 0; }
