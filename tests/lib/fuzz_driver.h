/* fuzz_driver.h - runs a libFuzzer harness (LLVMFuzzerTestOneInput) in
 * `make check` without libFuzzer: over every seed file of some directories
 * and a fixed number of deterministic mutations of each (bit flips,
 * structural bytes, deletions, duplications, truncations, splices of two
 * seeds), under the ASan/UBSan build.  Same seed, same inputs. */
#ifndef NSG_TEST_FUZZ_DRIVER_H
#define NSG_TEST_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_target_fn)(const uint8_t *data, size_t size);

/* Returns the number of inputs run (seeds and mutations); seeds larger
 * than max_seed bytes are skipped.  dirs ends with NULL. */
unsigned long fuzz_run(fuzz_target_fn fn, const char *const *dirs,
                       unsigned mutations_per_seed, size_t max_seed,
                       uint64_t seed);

#endif
