/* check_corpus.c - unit tests of the corpus: transactions (commit,
 * rollback, identical re-add, savepoints), history and loading at a time,
 * lock contention between processes, imports killed mid-way, atomic
 * manifest replacement, corrupt objects, sections and new files. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../corpus/corpus.h"

#define SUB                                                                    \
    "/subscriptions/00000000-0000-0000-0000-000000000000/"                     \
    "resourceGroups/rg/providers/Microsoft.Network/"

static char DIRNAME[64];

static void setup(void)
{
    strcpy(DIRNAME, "/tmp/check_corpus.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(DIRNAME));
    strcat(DIRNAME, "/c"); /* the corpus itself does not exist yet */
}

static void teardown(void)
{
    char cmd[128];
    char *slash = strrchr(DIRNAME, '/');
    *slash = '\0';
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIRNAME);
    ck_assert_int_eq(system(cmd), 0);
}

/* An NSG with one inbound rule allowing TCP to `port` at `priority`. */
static cJSON *nsg_json(const char *name, int priority, int port)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"id\":\"" SUB "networkSecurityGroups/%s\",\"name\":\"%s\","
             "\"type\":\"Microsoft.Network/networkSecurityGroups\","
             "\"location\":\"westeurope\",\"properties\":{\"securityRules\":"
             "[{\"name\":\"r1\",\"properties\":{\"priority\":%d,\"direction\":"
             "\"Inbound\",\"access\":\"Allow\",\"protocol\":\"Tcp\","
             "\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
             "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":"
             "\"%d\"}}]}}",
             name, name, priority, port);
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    return j;
}

static char *nsg_id(const char *name)
{
    return g_strdup_printf(SUB "networkSecurityGroups/%s", name);
}

static char *slurp(const char *rel)
{
    char *p = g_build_filename(DIRNAME, rel, NULL), *s = NULL;
    g_file_get_contents(p, &s, NULL, NULL);
    g_free(p);
    return s; /* NULL when absent */
}

/* Number of files under DIRNAME/sub (recursively). */
static int count_files(const char *sub)
{
    char *p = g_build_filename(DIRNAME, sub, NULL);
    GDir *d = g_dir_open(p, 0, NULL);
    const char *name;
    int n = 0;
    while (d && (name = g_dir_read_name(d))) {
        char *rel = g_build_filename(sub, name, NULL);
        char *abs = g_build_filename(DIRNAME, rel, NULL);
        n += g_file_test(abs, G_FILE_TEST_IS_DIR) ? count_files(rel) : 1;
        g_free(abs);
        g_free(rel);
    }
    if (d)
        g_dir_close(d);
    g_free(p);
    return n;
}

static struct nsg_corpus *open_c(void)
{
    struct nsg_corpus *c = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_msg(nsg_corpus_open(DIRNAME, true, &c, &err) == 0, "%s", err.msg);
    return c;
}

/* Add NSG `name` (priority/port) at time `at` in its own transaction. */
static bool put(struct nsg_corpus *c, const char *name, int priority, int port,
                int64_t at)
{
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_txn *txn = NULL;
    bool changed = false;
    cJSON *j = nsg_json(name, priority, port);
    ck_assert_msg(nsg_corpus_begin(c, &txn, &err) == 0, "%s", err.msg);
    ck_assert_msg(
        nsg_txn_add_resource(txn, NSG_RES_NSG, j, at, &changed, &err) == 0,
        "%s", err.msg);
    ck_assert_msg(nsg_corpus_commit(&txn, &err) == 0, "%s", err.msg);
    ck_assert_ptr_null(txn);
    cJSON_Delete(j);
    return changed;
}

/* The destination port of rule r1 of NSG `name` in the model at `at`. */
static int port_at(struct nsg_corpus *c, const char *name, int64_t at)
{
    struct nsg_topology *t = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    void *p = NULL;
    ck_assert_msg(nsg_corpus_load(c, at, &t, &err) == 0, "%s", err.msg);
    ck_assert_msg(nsg_topo_find(t, NSG_RES_NSG, name, &p, &err) == 0, "%s",
                  err.msg);
    struct nsg_nsg *n = p;
    int port = -1;
    for (size_t i = 0; i < n->n_rules; i++)
        if (!strcmp(n->rules[i].name, "r1"))
            port = n->rules[i].dports[0].lo;
    nsg_topo_free(t);
    return port;
}

START_TEST(commit_publishes)
{
    struct nsg_corpus *c = open_c();
    ck_assert_int_eq(nsg_corpus_generation(c), 0);
    ck_assert(put(c, "web", 100, 443, 1000));
    ck_assert_int_eq(nsg_corpus_generation(c), 1);
    nsg_corpus_close(c);

    c = open_c(); /* a fresh reader sees it */
    ck_assert_int_eq(nsg_corpus_generation(c), 1);
    ck_assert_int_eq(port_at(c, "web", NSG_TIME_LATEST), 443);
    struct nsg_version *v = NULL;
    size_t n = 0;
    char *id = nsg_id("WEB"); /* ids are case-insensitive */
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_corpus_history(c, id, &v, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].captured_at, 1000);
    char rel[128];
    snprintf(rel, sizeof(rel), "objects/%.2s/%s.json", v[0].object,
             v[0].object);
    char *obj = slurp(rel);
    ck_assert_ptr_nonnull(obj);
    char sha[65];
    nsg_sha256_hex(obj, strlen(obj), sha);
    ck_assert_str_eq(sha, v[0].object);    /* content-addressed */
    ck_assert_ptr_null(strchr(obj, '\n')); /* compact */
    g_free(obj);
    free(v);
    free(id);
    nsg_corpus_close(c);
}
END_TEST

START_TEST(rollback_leaves_corpus)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_txn *txn = NULL;
    bool changed;
    put(c, "web", 100, 443, 1000);
    char *before = slurp("manifest.json");
    int objects = count_files("objects");
    ck_assert_int_eq(objects, 1);

    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    cJSON *j = nsg_json("web", 100, 8443);
    cJSON *k = nsg_json("app", 200, 80);
    ck_assert_int_eq(
        nsg_txn_add_resource(txn, NSG_RES_NSG, j, 2000, &changed, &err), 0);
    ck_assert(changed);
    ck_assert_int_eq(
        nsg_txn_add_resource(txn, NSG_RES_NSG, k, 2000, &changed, &err), 0);
    ck_assert_int_gt(count_files("objects"), objects); /* written beside */
    struct nsg_topology *tt = NULL; /* the model as it will be */
    ck_assert_msg(nsg_txn_load(txn, NSG_TIME_LATEST, &tt, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(NSG_TOPO_N(tt, NSG_RES_NSG), 2);
    nsg_topo_free(tt);
    nsg_corpus_rollback(txn);
    ck_assert_int_eq(count_files("objects"), objects); /* and removed */

    char *after = slurp("manifest.json");
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(port_at(c, "web", NSG_TIME_LATEST), 443);
    struct nsg_topology *t = NULL;
    ck_assert_int_eq(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err), 0);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_NSG), 1);
    nsg_topo_free(t);
    /* a new transaction can start: the lock was released */
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    nsg_corpus_rollback(txn);
    nsg_corpus_rollback(NULL);
    cJSON_Delete(j);
    cJSON_Delete(k);
    g_free(before);
    g_free(after);
    nsg_corpus_close(c);
}
END_TEST

START_TEST(identical_readd_changes_nothing)
{
    struct nsg_corpus *c = open_c();
    ck_assert(put(c, "web", 100, 443, 1000));
    char *before = slurp("manifest.json");
    ck_assert(!put(c, "web", 100, 443, 5000)); /* later, same content */
    char *after = slurp("manifest.json");
    ck_assert_str_eq(before, after); /* byte for byte, same generation */
    ck_assert_int_eq(nsg_corpus_generation(c), 1);
    ck_assert(put(c, "web", 100, 22, 6000)); /* a real change */
    ck_assert_int_eq(nsg_corpus_generation(c), 2);
    g_free(before);
    g_free(after);
    nsg_corpus_close(c);
}
END_TEST

START_TEST(history_and_load_at)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    /* imported out of order: the history is sorted by capture time */
    ck_assert(put(c, "web", 100, 2000, 2000));
    ck_assert(put(c, "web", 100, 1000, 1000));
    ck_assert(put(c, "web", 100, 3000, 3000));
    ck_assert(put(c, "app", 100, 80, 2500));
    char *id = nsg_id("web");
    struct nsg_version *v = NULL;
    size_t n = 0;
    ck_assert_int_eq(nsg_corpus_history(c, id, &v, &n, &err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(v[0].captured_at, 1000);
    ck_assert_int_eq(v[1].captured_at, 2000);
    ck_assert_int_eq(v[2].captured_at, 3000);
    /* newest at or before T, else the oldest */
    ck_assert_int_eq(port_at(c, "web", 999), 1000);
    ck_assert_int_eq(port_at(c, "web", 1000), 1000);
    ck_assert_int_eq(port_at(c, "web", 2999), 2000);
    ck_assert_int_eq(port_at(c, "web", 3000), 3000);
    ck_assert_int_eq(port_at(c, "web", NSG_TIME_LATEST), 3000);
    ck_assert_int_eq(port_at(c, "app", 1500), 80); /* only version */
    /* each stored version parses on its own */
    for (size_t i = 0; i < n; i++) {
        struct nsg_res_ref res;
        ck_assert_int_eq(nsg_corpus_load_version(c, v[i].object, &res, &err),
                         0);
        ck_assert_int_eq(res.type, NSG_RES_NSG);
        struct nsg_nsg *nsg = res.nsg;
        ck_assert_int_eq(nsg->rules[0].dports[0].lo, (int)v[i].captured_at);
        nsg_nsg_free(nsg);
    }
    /* content equal to the version in force at T is not a new version */
    ck_assert(!put(c, "web", 100, 2000, 2500));
    /* the same instant twice: the newer import wins */
    ck_assert(put(c, "web", 100, 2222, 2000));
    ck_assert_int_eq(port_at(c, "web", 2000), 2222);
    free(v);
    ck_assert_int_eq(nsg_corpus_history(c, id, &v, &n, &err), 0);
    ck_assert_uint_eq(n, 3);
    free(v);
    free(id);
    ck_assert_int_eq(nsg_corpus_history(c, "/nope", &v, &n, &err),
                     NSG_E_NOTFOUND);
    nsg_corpus_close(c);
}
END_TEST

START_TEST(service_tags_and_sources)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_txn *txn = NULL;
    bool changed;
    cJSON *tags = cJSON_Parse(
        "{\"changeNumber\":7,\"cloud\":\"Public\",\"values\":[{\"name\":"
        "\"Storage\",\"id\":\"Storage\",\"properties\":{\"addressPrefixes\":"
        "[\"20.150.8.0/23\"]}}]}");
    cJSON *counts = cJSON_Parse("{\"service_tags\":1}");
    const char *sha = "0123456789abcdef0123456789abcdef"
                      "0123456789abcdef0123456789abcdef";

    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_txn_add_service_tags(txn, tags, &changed, &err), 0);
    ck_assert(changed);
    ck_assert_int_eq(nsg_txn_add_source(txn, "tags.json", sha, counts, &err),
                     0);
    ck_assert(!nsg_corpus_has_source(c, sha)); /* not before commit */
    ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
    ck_assert(nsg_corpus_has_source(c, sha));
    nsg_corpus_close(c);

    c = open_c();
    ck_assert(nsg_corpus_has_source(c, sha));
    struct nsg_topology *t = NULL;
    ck_assert_msg(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err) == 0, "%s",
                  err.msg);
    const struct nsg_service_tag *st = nsg_topo_tag(t, "storage");
    ck_assert_ptr_nonnull(st);
    struct nsg_ip ip;
    nsg_ip_parse("20.150.9.1", &ip);
    ck_assert(nsg_addrset_contains(&st->set, &ip));
    nsg_topo_free(t);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_txn_add_service_tags(txn, tags, &changed, &err), 0);
    ck_assert(!changed);
    nsg_corpus_rollback(txn);
    cJSON_Delete(tags);
    cJSON_Delete(counts);
    nsg_corpus_close(c);
}
END_TEST

START_TEST(sections_and_new_files)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_txn *txn = NULL;
    char *abs = NULL, *rel = NULL, *abs2 = NULL, *rel2 = NULL;
    struct stat st;

    ck_assert_ptr_null(nsg_corpus_section(c, "flows"));
    /* rolled back: the file disappears */
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_txn_new_file(txn, "flows", ".seg", &abs2, &rel2, &err),
                     0);
    ck_assert_int_eq(stat(abs2, &st), 0);
    nsg_corpus_rollback(txn);
    ck_assert_int_ne(stat(abs2, &st), 0);

    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(nsg_txn_new_file(txn, "flows", ".seg", &abs, &rel, &err),
                     0);
    ck_assert(g_str_has_prefix(rel, "flows/"));
    ck_assert(g_str_has_suffix(rel, ".seg"));
    ck_assert_str_ne(rel, rel2); /* never reused */
    FILE *f = fopen(abs, "w");
    fputs("data", f);
    fclose(f);
    cJSON *sec = nsg_txn_section(txn, "flows");
    ck_assert_ptr_eq(sec, nsg_txn_section(txn, "flows"));
    cJSON *segs = cJSON_AddArrayToObject(sec, "segments");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "name", rel);
    cJSON_AddItemToArray(segs, s);
    ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
    nsg_corpus_close(c);

    c = open_c();
    const cJSON *got = nsg_corpus_section(c, "flows");
    ck_assert_ptr_nonnull(got);
    const cJSON *name = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(got, "segments"), 0), "name");
    ck_assert_str_eq(name->valuestring, rel);
    char *p = nsg_corpus_path(c, rel);
    ck_assert_str_eq(p, abs);
    ck_assert(g_path_is_absolute(p));
    free(p);
    nsg_corpus_close(c);
    free(abs);
    free(rel);
    free(abs2);
    free(rel2);
}
END_TEST

START_TEST(savepoint_restores)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_txn *txn = NULL;
    bool changed;
    cJSON *a = nsg_json("a", 100, 1), *b = nsg_json("b", 100, 2);
    char *ida = nsg_id("a"), *idb = nsg_id("b");
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(
        nsg_txn_add_resource(txn, NSG_RES_NSG, a, 1, &changed, &err), 0);
    struct nsg_txn_mark *m = nsg_txn_mark(txn);
    ck_assert_int_eq(
        nsg_txn_add_resource(txn, NSG_RES_NSG, b, 1, &changed, &err), 0);
    ck_assert(nsg_txn_has_resource(txn, idb));
    nsg_txn_restore(txn, m);
    ck_assert(nsg_txn_has_resource(txn, ida));
    ck_assert(!nsg_txn_has_resource(txn, idb));
    nsg_txn_mark_free(nsg_txn_mark(txn));
    /* the same id with another type is an input error */
    ck_assert_int_eq(
        nsg_txn_add_resource(txn, NSG_RES_ASG, a, 1, &changed, &err),
        NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a nsg"));
    ck_assert_int_eq(nsg_corpus_commit(&txn, &err), 0);
    struct nsg_topology *t = NULL;
    ck_assert_int_eq(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err), 0);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_NSG), 1);
    nsg_topo_free(t);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(ida);
    free(idb);
    nsg_corpus_close(c);
}
END_TEST

/* Child: hold the corpus lock until told to stop through `go`. */
static void hold_lock(int ready, int go)
{
    struct nsg_corpus *c = NULL;
    struct nsg_txn *txn = NULL;
    char b = 1;
    if (nsg_corpus_open(DIRNAME, false, &c, NULL) ||
        nsg_corpus_begin(c, &txn, NULL))
        _exit(3);
    if (write(ready, &b, 1) != 1 || read(go, &b, 1) != 1)
        _exit(4);
    nsg_corpus_rollback(txn);
    nsg_corpus_close(c);
    _exit(0);
}

START_TEST(lock_contention)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_txn *txn = NULL;
    int ready[2], go[2], status;
    char b;
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(go), 0);
    pid_t pid = fork();
    if (pid == 0)
        hold_lock(ready[1], go[0]);
    ck_assert_int_eq(read(ready[0], &b, 1), 1);
    nsg_corpus_set_lock_wait(c, 300);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), NSG_E_LOCKED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(waited >= 0.25, "gave up after %.3f s", waited);
    ck_assert_ptr_nonnull(strstr(err.msg, DIRNAME)); /* names the corpus */
    ck_assert_ptr_nonnull(strstr(err.msg, "locked"));
    ck_assert_ptr_null(txn);
    /* a waiter gets the lock once the holder finishes */
    nsg_corpus_set_lock_wait(c, 10000);
    ck_assert_int_eq(write(go[1], "x", 1), 1);
    ck_assert_int_eq(nsg_corpus_begin(c, &txn, &err), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    nsg_corpus_rollback(txn);
    nsg_corpus_close(c);
}
END_TEST

/* Child: a large import that stops inside the transaction (objects and a
 * new file written, nothing committed) and waits to be killed. */
static void import_then_hang(int ready)
{
    struct nsg_corpus *c = NULL;
    struct nsg_txn *txn = NULL;
    bool changed;
    char *a, *r;
    if (nsg_corpus_open(DIRNAME, false, &c, NULL) ||
        nsg_corpus_begin(c, &txn, NULL))
        _exit(3);
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof(name), "n%d", i);
        cJSON *j = nsg_json(name, 100 + i, 1000 + i);
        if (nsg_txn_add_resource(txn, NSG_RES_NSG, j, 5000, &changed, NULL))
            _exit(5);
        cJSON_Delete(j);
    }
    if (nsg_txn_new_file(txn, "flows", ".seg", &a, &r, NULL))
        _exit(6);
    cJSON_AddStringToObject(nsg_txn_section(txn, "flows"), "x", r);
    if (write(ready, "x", 1) != 1)
        _exit(4);
    for (;;)
        pause();
}

START_TEST(killed_import_leaves_corpus)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    int ready[2], status;
    char b;
    put(c, "web", 100, 443, 1000);
    char *before = slurp("manifest.json");
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0)
        import_then_hang(ready[1]);
    ck_assert_int_eq(read(ready[0], &b, 1), 1);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));

    char *after = slurp("manifest.json");
    ck_assert_str_eq(before, after);
    nsg_corpus_close(c);
    c = open_c();
    struct nsg_topology *t = NULL;
    ck_assert_int_eq(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err), 0);
    ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_NSG), 1); /* orphans ignored */
    nsg_topo_free(t);
    ck_assert_ptr_null(nsg_corpus_section(c, "flows"));
    /* the lock died with the process */
    nsg_corpus_set_lock_wait(c, 0);
    ck_assert(put(c, "web", 100, 8443, 2000));
    g_free(before);
    g_free(after);
    nsg_corpus_close(c);
}
END_TEST

/* Child: commit forever, each generation changing NSG "web". */
static void commit_forever(int ready, int base)
{
    struct nsg_corpus *c = NULL;
    if (nsg_corpus_open(DIRNAME, false, &c, NULL))
        _exit(3);
    if (write(ready, "x", 1) != 1)
        _exit(4);
    for (int i = 1;; i++) {
        struct nsg_txn *txn = NULL;
        bool changed;
        cJSON *j = nsg_json("web", 100, i % 60000 + 1);
        cJSON *k = nsg_json("app", 100, i % 60000 + 1);
        if (nsg_corpus_begin(c, &txn, NULL) ||
            nsg_txn_add_resource(txn, NSG_RES_NSG, j, base + i, &changed,
                                 NULL) ||
            nsg_txn_add_resource(txn, NSG_RES_NSG, k, base + i, &changed,
                                 NULL) ||
            nsg_corpus_commit(&txn, NULL))
            _exit(5);
        cJSON_Delete(j);
        cJSON_Delete(k);
    }
}

START_TEST(kill_during_commits)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    put(c, "web", 100, 1, 0);
    put(c, "app", 100, 1, 0);
    int64_t gen0 = nsg_corpus_generation(c), gen = gen0;
    nsg_corpus_close(c);
    for (int round = 0; round < 6; round++) {
        int ready[2], status;
        char b;
        ck_assert_int_eq(pipe(ready), 0);
        pid_t pid = fork();
        if (pid == 0)
            commit_forever(ready[1], (round + 1) * 1000000);
        ck_assert_int_eq(read(ready[0], &b, 1), 1);
        struct timespec ts = {0, (long)(20 + round * 37) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        close(ready[0]);
        close(ready[1]);
        /* whatever generation was published is whole */
        c = open_c();
        struct nsg_topology *t = NULL;
        ck_assert_msg(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err) == 0, "%s",
                      err.msg);
        ck_assert_uint_eq(NSG_TOPO_N(t, NSG_RES_NSG), 2);
        nsg_topo_free(t);
        ck_assert_int_eq(port_at(c, "web", NSG_TIME_LATEST),
                         port_at(c, "app", NSG_TIME_LATEST));
        ck_assert_int_ge(nsg_corpus_generation(c), gen);
        gen = nsg_corpus_generation(c);
        nsg_corpus_close(c);
    }
    /* the child really was committing when it was killed */
    ck_assert_msg(gen > gen0 + 6, "only %lld commits", (long long)(gen - gen0));
}
END_TEST

START_TEST(stale_tmp_and_bad_manifest)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    put(c, "web", 100, 443, 1000);
    nsg_corpus_close(c);
    /* a half-written manifest left by a killed commit is ignored */
    char *tmp = g_build_filename(DIRNAME, "manifest.json.tmp-99999", NULL);
    ck_assert(g_file_set_contents(tmp, "{\"format\":1,\"gener", -1, NULL));
    c = open_c();
    ck_assert_int_eq(port_at(c, "web", NSG_TIME_LATEST), 443);
    ck_assert(put(c, "web", 100, 22, 2000));
    nsg_corpus_close(c);
    c = open_c();
    ck_assert_int_eq(port_at(c, "web", NSG_TIME_LATEST), 22);
    nsg_corpus_close(c);
    /* a corrupt manifest is an input error naming the file */
    char *man = g_build_filename(DIRNAME, "manifest.json", NULL);
    ck_assert(g_file_set_contents(man, "{\"format\":1,", -1, NULL));
    ck_assert_int_eq(nsg_corpus_open(DIRNAME, false, &c, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "manifest.json"));
    ck_assert(g_file_set_contents(man, "{\"format\":99}", -1, NULL));
    ck_assert_int_eq(nsg_corpus_open(DIRNAME, false, &c, &err), NSG_E_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "format"));
    g_free(tmp);
    g_free(man);
}
END_TEST

START_TEST(corrupt_object_is_input_error)
{
    struct nsg_corpus *c = open_c();
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_topology *t = NULL;
    struct nsg_version *v = NULL;
    size_t n;
    char *id = nsg_id("web");
    put(c, "web", 100, 443, 1000);
    ck_assert_int_eq(nsg_corpus_history(c, id, &v, &n, &err), 0);
    nsg_corpus_close(c);
    char *rel =
        g_strdup_printf("objects/%.2s/%s.json", v[0].object, v[0].object);
    char *path = g_build_filename(DIRNAME, rel, NULL);
    chmod(path, 0644);
    ck_assert(g_file_set_contents(path, "{\"id\":\"tampered\"}", -1, NULL));
    c = open_c();
    ck_assert_int_eq(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err),
                     NSG_E_INPUT);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(err.msg, rel) && strstr(err.msg, "corrupt"), "%s",
                  err.msg);
    unlink(path);
    ck_assert_int_eq(nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err),
                     NSG_E_INPUT);
    ck_assert_msg(strstr(err.msg, rel) && strstr(err.msg, "missing"), "%s",
                  err.msg);
    nsg_corpus_close(c);
    ck_assert_int_eq(nsg_corpus_open("/nonexistent/corpus", false, &c, &err),
                     NSG_E_NOTFOUND);
    free(v);
    free(id);
    g_free(rel);
    g_free(path);
}
END_TEST

START_TEST(time_parse_format)
{
    int64_t t = 0;
    char buf[32];
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(nsg_corpus_time_parse("2026-11-20T13:00:00Z", &t, &err),
                     0);
    ck_assert_int_eq(t, 1795179600);
    nsg_corpus_time_format(t, buf);
    ck_assert_str_eq(buf, "2026-11-20T13:00:00Z");
    ck_assert_int_eq(
        nsg_corpus_time_parse("2026-11-20T14:00:00.123+01:00", &t, &err), 0);
    ck_assert_int_eq(t, 1795179600);
    ck_assert_int_eq(nsg_corpus_time_parse("1795179600", &t, &err), 0);
    ck_assert_int_eq(t, 1795179600);
    ck_assert_int_eq(nsg_corpus_time_parse("2026-11-20", &t, &err), 0);
    ck_assert_int_eq(t, 1795179600 - 13 * 3600);
    const char *bad[] = {"",
                         "yesterday",
                         "2026-13-01T00:00:00Z",
                         "2026-02-30T00:00:00Z",
                         "2026-11-20T25:00:00Z",
                         "2026-11-20T13:00:00Zjunk",
                         "12:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(nsg_corpus_time_parse(bad[i], &t, &err) == NSG_E_INPUT,
                      "accepted '%s'", bad[i]);
}
END_TEST

static Suite *corpus_suite(void)
{
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("txn");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, commit_publishes);
    tcase_add_test(tc, rollback_leaves_corpus);
    tcase_add_test(tc, identical_readd_changes_nothing);
    tcase_add_test(tc, history_and_load_at);
    tcase_add_test(tc, service_tags_and_sources);
    tcase_add_test(tc, sections_and_new_files);
    tcase_add_test(tc, savepoint_restores);
    tcase_add_test(tc, lock_contention);
    tcase_add_test(tc, killed_import_leaves_corpus);
    tcase_add_test(tc, kill_during_commits);
    tcase_add_test(tc, stale_tmp_and_bad_manifest);
    tcase_add_test(tc, corrupt_object_is_input_error);
    tcase_add_test(tc, time_parse_format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(corpus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
