/* check_fuzz.c - the libFuzzer harnesses of the flow-log importer
 * (tests/fuzz_flowlog.c), of the configuration importer
 * (tests/data/config/fuzz/fuzz_config.c) and of the aggregate readers
 * (tests/fuzz_aggregate.c) run in `make check` over a fixed
 * mutated corpus (tests/lib/fuzz_driver.c): every shipped sample and 150
 * deterministic mutations of each, under ASan and UBSan.  A harness
 * aborts on a broken contract; the sanitizers catch the rest. */
#include <check.h>

#include "lib/fuzz_driver.h"

/* Both harnesses define LLVMFuzzerTestOneInput: rename them apart. */
#define LLVMFuzzerTestOneInput fuzz_flowlog_one
#include "fuzz_flowlog.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "data/config/fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_aggregate_one
#include "fuzz_aggregate.c"
#undef LLVMFuzzerTestOneInput

#define MUTATIONS 150

START_TEST(flowlog_harness)
{
    static const char *const dirs[] = {"tests/data/flowlogs",
                                       "examples/flowlogs", NULL};
    unsigned long n =
        fuzz_run(fuzz_flowlog_one, dirs, MUTATIONS, 64 * 1024, 20261201);
    char path[64]; /* the harness's scratch file */
    snprintf(path, sizeof(path), "/tmp/fuzz_flowlog.%d", (int)getpid());
    unlink(path);
    ck_assert_uint_gt(n, 15 * (MUTATIONS + 1));
}
END_TEST

START_TEST(config_harness)
{
    static const char *const dirs[] = {"tests/data/config/good",
                                       "tests/data/config/realworld",
                                       "tests/data/config/bad",
                                       "tests/data/config/admin",
                                       "examples/avnm", NULL};
    unsigned long n =
        fuzz_run(fuzz_config_one, dirs, MUTATIONS, 64 * 1024, 20261202);
    ck_assert_uint_gt(n, 30 * (MUTATIONS + 1));
}
END_TEST

START_TEST(aggregate_harness)
{
    static const char *const dirs[] = {"tests/data/aggregates", NULL};
    unsigned long n =
        fuzz_run(fuzz_aggregate_one, dirs, MUTATIONS, 64 * 1024, 20261203);
    char path[64]; /* the harness's scratch file */
    snprintf(path, sizeof(path), "/tmp/fuzz_aggregate.%d", (int)getpid());
    unlink(path);
    ck_assert_uint_gt(n, 15 * (MUTATIONS + 1));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz");
    TCase *tc = tcase_create("harnesses");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, flowlog_harness);
    tcase_add_test(tc, config_harness);
    tcase_add_test(tc, aggregate_harness);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
