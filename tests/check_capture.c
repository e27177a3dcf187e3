/* check_capture.c - unit tests of capture/'s pure parts: the Shared Key
 * string-to-sign (worked by hand from Microsoft's "Authorize with Shared
 * Key") and signature (a known answer computed with Python's hmac module),
 * URL rules and redaction, the secret scrubber, backoff and Retry-After,
 * the List Blobs XML parser and error descriptions.  The HTTP paths are
 * tested end to end against servers (t_capture_arm.sh,
 * t_capture_flowlogs.sh). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/cap_int.h"
#include "../importer/imp_arm.h"

#define AZURITE_KEY                                                            \
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOt" \
    "r/KBHBeksoGMGw=="

START_TEST(test_sharedkey_string)
{
    const char *h[] = {"x-ms-version: 2023-11-03", "Range: bytes=100-",
                       "X-MS-Date:   Tue, 01 Dec 2026   10:00:00 GMT  ",
                       "Accept: */*", "Content-Length: 0", "Expect:"};
    char *s = cap_sharedkey_string(
        "acct", "GET",
        "https://acct.blob.core.windows.net/c/b%3D1/PT1H.json?restype=container"
        "&comp=list&prefix=a%2Fb",
        h, 6);
    /* 11 standard headers (Content-Length 0 is ""; Range given), the x-ms-
     * headers lower-cased, sorted, whitespace folded, then the resource with
     * its parameters decoded and sorted */
    ck_assert_str_eq(s, "GET\n\n\n\n\n\n\n\n\n\n\nbytes=100-\n"
                        "x-ms-date:Tue, 01 Dec 2026 10:00:00 GMT\n"
                        "x-ms-version:2023-11-03\n"
                        "/acct/c/b%3D1/PT1H.json\ncomp:list\nprefix:a/b\n"
                        "restype:container");
    char *auth = NULL;
    ck_assert_int_eq(cap_sharedkey_auth("acct", AZURITE_KEY, s, &auth, NULL), 0);
    ck_assert_str_eq(auth,
                     "SharedKey acct:3Vt6CvLgtGut/8E90qyCaqswaHEr5mViyphMJOqS44Q=");
    free(auth);
    g_free(s);
}
END_TEST

START_TEST(test_sharedkey_multi_values)
{
    const char *h[] = {"Content-Length: 12", "x-ms-b: 2", "x-ms-a: 1"};
    char *s = cap_sharedkey_string("a", "PUT", "http://127.0.0.1:1/a/c?Z=2&z=1&A=",
                                   h, 3);
    ck_assert_str_eq(s, "PUT\n\n\n12\n\n\n\n\n\n\n\n\nx-ms-a:1\nx-ms-b:2\n"
                        "/a/a/c\na:\nz:1,2");
    g_free(s);
    char *auth = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(cap_sharedkey_auth("a", "not base64!", "x", &auth, &err),
                     NSG_E_INPUT);
    ck_assert_ptr_null(auth);
    ck_assert(strstr(err.msg, "not a base64 account key"));
}
END_TEST

START_TEST(test_url_rules)
{
    ck_assert_int_eq(cap_url_check("https://management.azure.com", "x", NULL), 0);
    ck_assert_int_eq(cap_url_check("http://127.0.0.1:8080/a", "x", NULL), 0);
    ck_assert_int_eq(cap_url_check("http://127.9.8.7/a", "x", NULL), 0);
    ck_assert_int_eq(cap_url_check("http://localhost:1", "x", NULL), 0);
    ck_assert_int_eq(cap_url_check("http://[::1]:1/", "x", NULL), 0);
    ck_assert_int_ne(cap_url_check("http://example.com", "x", NULL), 0);
    ck_assert_int_ne(cap_url_check("http://127.0.0.1.example.com/", "x", NULL), 0);
    ck_assert_int_ne(cap_url_check("http://10.0.0.1/", "x", NULL), 0);
    ck_assert_int_ne(cap_url_check("ftp://127.0.0.1/", "x", NULL), 0);
    ck_assert_int_ne(cap_url_check("file:///etc/passwd", "x", NULL), 0);
    ck_assert_int_ne(cap_url_check("not a url", "x", NULL), 0);
    ck_assert(cap_url_same_origin("https://a.b/x", "https://A.b:443/y?z"));
    ck_assert(!cap_url_same_origin("https://a.b/x", "https://a.b:8443/x"));
    ck_assert(!cap_url_same_origin("http://127.0.0.1:5/", "http://localhost:5/"));
    ck_assert(!cap_url_same_origin("http://a.b/", "https://a.b/"));
}
END_TEST

START_TEST(test_url_redact)
{
    char *r = cap_url_redact("https://h/c?sv=2023&sig=abc%2Bdef&sp=rl");
    ck_assert_str_eq(r, "https://h/c?sv=2023&sig=REDACTED&sp=rl");
    g_free(r);
    r = cap_url_redact("https://h/t?client_secret=x&access_token=y&$skipToken=5&code=z");
    ck_assert_str_eq(r, "https://h/t?client_secret=REDACTED&access_token="
                        "REDACTED&$skipToken=5&code=REDACTED");
    g_free(r);
    r = cap_url_redact("https://h/no/query");
    ck_assert_str_eq(r, "https://h/no/query");
    g_free(r);
}
END_TEST

START_TEST(test_scrub)
{
    cap_secret_register("sv=2023&sig=Ab+cD/ef==&sp=rl");
    cap_secret_register("short"); /* too short to be registered */
    char s[256];
    strcpy(s, "a sig Ab+cD/ef== and Ab%2BcD%2Fef%3D%3D and short and "
              "sv=2023&sig=Ab+cD/ef==&sp=rl");
    cap_scrub(s);
    ck_assert_ptr_null(strstr(s, "Ab+cD"));
    ck_assert_ptr_null(strstr(s, "Ab%2BcD"));
    ck_assert(strstr(s, "short"));
    ck_assert(strstr(s, "[REDACTED]"));
    struct nsg_err err = NSG_ERR_INIT;
    cap_err(&err, NSG_E_INPUT, "token %s refused", "Ab+cD/ef==");
    ck_assert_str_eq(err.msg, "token [REDACTED] refused");
}
END_TEST

START_TEST(test_backoff)
{
    struct cap_retry_cfg c = {6, 500, 30000, 300000};
    ck_assert_int_eq(cap_backoff_ms(&c, 0, 0.0), 250);
    ck_assert_int_eq(cap_backoff_ms(&c, 0, 0.9999999), 499);
    ck_assert_int_eq(cap_backoff_ms(&c, 3, 0.0), 2000);
    ck_assert_int_eq(cap_backoff_ms(&c, 20, 0.0), 15000); /* capped */
    for (int a = 0; a < 30; a++) {
        long ms = cap_backoff_ms(&c, a, 0.5);
        ck_assert(ms >= 250 && ms <= 30000);
    }
    ck_assert_int_eq(cap_retry_after_ms("7", 0), 7000);
    ck_assert_int_eq(cap_retry_after_ms(" 0 ", 0), 0);
    ck_assert_int_eq(cap_retry_after_ms("Thu, 01 Jan 1970 00:01:40 GMT", 40), 60000);
    ck_assert_int_eq(cap_retry_after_ms("Thu, 01 Jan 1970 00:00:10 GMT", 40), 0);
    ck_assert_int_eq(cap_retry_after_ms("soon", 0), -1);
    ck_assert_int_eq(cap_retry_after_ms("5x", 0), -1);
    ck_assert_int_eq(cap_retry_after_ms(NULL, 0), -1);
    ck_assert(cap_status_retryable(429) && cap_status_retryable(503) &&
              cap_status_retryable(500) && !cap_status_retryable(404) &&
              !cap_status_retryable(401) && !cap_status_retryable(501));
}
END_TEST

START_TEST(test_blob_list)
{
    const char *xml =
        "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        "<EnumerationResults ServiceEndpoint=\"https://a.blob.core.windows.net/\" "
        "ContainerName=\"c\"><Prefix>r</Prefix><MaxResults>2</MaxResults><Blobs>"
        "<Blob><Name>resourceId=/A/y=2026/PT1H.json</Name><Properties>"
        "<Last-Modified>Tue, 01 Dec 2026 10:00:00 GMT</Last-Modified>"
        "<Etag>0x8DD1</Etag><Content-Length>1234</Content-Length>"
        "<BlobType>BlockBlob</BlobType></Properties><Metadata><Name>x</Name>"
        "</Metadata></Blob>"
        "<Blob><Name>b&amp;c.json</Name><Properties><Etag>\"0x2\"</Etag>"
        "<Content-Length>0</Content-Length></Properties></Blob>"
        "</Blobs><NextMarker>2!72!MDAw&amp;</NextMarker></EnumerationResults>";
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)cap_blob_free);
    char *next = NULL;
    ck_assert_int_eq(cap_blob_parse_list(xml, strlen(xml), out, &next, NULL), 0);
    ck_assert_uint_eq(out->len, 2);
    const struct cap_blob *b = out->pdata[0];
    ck_assert_str_eq(b->name, "resourceId=/A/y=2026/PT1H.json");
    ck_assert_str_eq(b->etag, "0x8DD1");
    ck_assert_uint_eq(b->size, 1234);
    ck_assert_int_eq(b->last_modified, 1796119200);
    ck_assert_str_eq(((struct cap_blob *)out->pdata[1])->name, "b&c.json");
    ck_assert_str_eq(next, "2!72!MDAw&");
    g_free(next);
    const char *last = "<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>";
    ck_assert_int_eq(cap_blob_parse_list(last, strlen(last), out, &next, NULL), 0);
    ck_assert_ptr_null(next);
    struct nsg_err err = NSG_ERR_INIT;
    ck_assert_int_eq(cap_blob_parse_list("<a><b></a>", 10, out, &next, &err),
                     NSG_E_INPUT);
    g_ptr_array_free(out, TRUE);
}
END_TEST

START_TEST(test_describe)
{
    struct cap_resp r;
    cap_resp_init(&r);
    r.status = 403;
    nsg_buf_adds(&r.body, "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":"
                          "\"The client 'x' has no access.\\nMore text\"}}");
    char *d = cap_resp_describe(&r);
    ck_assert_str_eq(d, "HTTP 403 (AuthorizationFailed: The client 'x' has no access.)");
    g_free(d);
    nsg_buf_reset(&r.body);
    nsg_buf_adds(&r.body, "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed"
                          "</Code><Message>Server failed to authenticate.\nRequestId:1"
                          "</Message><AuthenticationErrorDetail>The MAC signature "
                          "</AuthenticationErrorDetail></Error>");
    d = cap_resp_describe(&r);
    ck_assert_str_eq(d, "HTTP 403 (AuthenticationFailed: Server failed to authenticate.)");
    g_free(d);
    nsg_buf_reset(&r.body);
    r.status = 502;
    d = cap_resp_describe(&r);
    ck_assert_str_eq(d, "HTTP 502");
    g_free(d);
    cap_resp_release(&r);
}
END_TEST

/* Every resource type the model holds is captured: a type added to the
 * model (and the importer's type table) must be added to capture arm's
 * lists, or here with the reason it is not listed. */
static const char *const not_listed[][2] = {
    {"Microsoft.Authorization/policyDefinitions",
     "Azure Policy definitions are not read by capture: import them from "
     "files"},
};

START_TEST(test_every_model_type_captured)
{
    int checked = 0;
    for (int t = 0; t < NSG_RES_TYPE_COUNT; t++) {
        const char *arm = nsg_imp_arm_type((enum nsg_res_type)t);
        bool skip = strncmp(arm, "Microsoft.", 10) != 0; /* nsgproof/... */
        for (size_t i = 0; i < G_N_ELEMENTS(not_listed); i++)
            skip = skip || !strcmp(arm, not_listed[i][0]);
        if (skip)
            continue;
        checked++;
        if (!cap_arm_type_listed(arm))
            ck_abort_msg("capture arm does not list %s", arm);
    }
    ck_assert_int_ge(checked, 8);
    ck_assert(cap_arm_type_listed("microsoft.network/networkwatchers/flowlogs"));
    ck_assert(cap_arm_type_listed("Microsoft.Network/networkManagers/"
                                  "securityAdminConfigurations/ruleCollections/rules"));
    ck_assert(!cap_arm_type_listed("Microsoft.Web/sites"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("capture");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sharedkey_string);
    tcase_add_test(tc, test_sharedkey_multi_values);
    tcase_add_test(tc, test_url_rules);
    tcase_add_test(tc, test_url_redact);
    tcase_add_test(tc, test_scrub);
    tcase_add_test(tc, test_backoff);
    tcase_add_test(tc, test_blob_list);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_every_model_type_captured);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
