/* fuzz.h: the libFuzzer entry point every harness defines, and the check
 * harnesses use for invariants (a failed check aborts, so libFuzzer and the
 * replay main both report it as a crash with the input that caused it). */
#ifndef TCPSHAKE_FUZZ_H
#define TCPSHAKE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                              \
        }                                                                         \
    } while (0)

#endif
