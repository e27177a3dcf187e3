/* imp_flowlog_tuple_fast.h - the body of the tokenizer's fast path,
 * included twice by imp_flowlog_tuple.c: once portable, once for CPUs
 * with SSSE3 (its addresses read by imp_ipv4_ssse3.h), each instance
 * compiled for its own target so that the address reader inlines.  No
 * include guard on purpose.  The includer defines NSG_FT_NAME (the
 * function), NSG_FT_ATTR (its attributes) and NSG_FT_IP4(pp, lim, ip)
 * (the address reader); they are undefined at the end.
 *
 * One pass over the common shape (well-formed IPv4 tuples); anything
 * unusual returns -1 and the general path decides.  It relies on the byte
 * after the tuple not being a digit, '.' or ',' (it is the closing quote
 * in the record text, or a NUL), and checks at the end that exactly len
 * bytes were used. */

NSG_FT_ATTR static int NSG_FT_NAME(const char *s, size_t len,
                                   enum nsg_imp_fl_kind kind,
                                   struct nsg_imp_fl_tuple *out)
{
    const char *p = s, *lim = s + len + 1; /* s[len] is readable */
    uint64_t v, w;
    bool vnet = kind == NSG_IMP_FL_KIND_VNET;
    if (len > 16 && s[10] == ',' && dig(s[8]) && dig(s[9]) &&
        !not_digits8(w = ld8(s))) {
        /* seconds: ten digits until the year 2286 */
        out->time = (int64_t)(swar8(w, 8) * 100 +
                              (uint64_t)((s[8] - '0') * 10 + (s[9] - '0')));
        p = s + 11;
    } else {
        if (!f_dec(&p, lim, &v) || *p++ != ',' || v > INT64_MAX)
            return -1;
        out->time = (int64_t)(v > 99999999999ull ? v / 1000 : v);
    }
    if (!NSG_FT_IP4(&p, lim, &out->src) || *p++ != ',' ||
        !NSG_FT_IP4(&p, lim, &out->dst) || *p++ != ',')
        return -1;
    if ((!f_dec(&p, lim, &v) && !vnet) || v > 65535 || *p++ != ',')
        return -1;
    out->sport = (uint16_t)v;
    if ((!f_dec(&p, lim, &v) && !vnet) || v > 65535 || *p++ != ',')
        return -1;
    out->dport = (uint16_t)v;
    if (!vnet && (*p == 'T' || *p == 'U')) {
        out->proto = *p++ == 'T' ? NSG_PROTO_TCP : NSG_PROTO_UDP;
    } else {
        if (!f_dec(&p, lim, &v) || v > 255)
            return -1;
        out->proto = (uint8_t)v;
    }
    if (*p++ != ',' || (*p != 'I' && *p != 'O'))
        return -1;
    out->dir = *p++ == 'I' ? NSG_DIR_IN : NSG_DIR_OUT;
    if (*p++ != ',')
        return -1;
    if (!vnet) {
        if (*p != 'A' && *p != 'D')
            return -1;
        out->decision = *p++;
        if (p == s + len) {
            out->version = 1;
            return 0;
        }
        if (*p++ != ',' || (*p != 'B' && *p != 'C' && *p != 'E'))
            return -1;
        out->state = *p++;
        out->version = 2;
    } else {
        if (*p != 'B' && *p != 'C' && *p != 'E' && *p != 'D')
            return -1;
        out->state = *p++;
        out->decision = out->state == 'D' ? 'D' : 'A';
        out->version = 4;
        if (*p++ != ',')
            return -1;
        while (p < s + len && *p != ',') /* encryption: not kept */
            p++;
    }
    if (s + len - p == 4 && !memcmp(p, ",,,,", 4))
        return 0; /* no counters: zero, as the caller set them */
    for (int i = 0; i < 4; i++) {
        if (*p++ != ',')
            return -1;
        f_dec(&p, lim, &out->c[i]); /* empty is 0 */
    }
    return p == s + len ? 0 : -1;
}

#undef NSG_FT_NAME
#undef NSG_FT_ATTR
#undef NSG_FT_IP4
