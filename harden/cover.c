/* cover.c - covering observed source addresses with few CIDR blocks.
 *
 * The blocks live in the radix tree of the addresses: only a node where
 * the addresses split (their longest common prefix) or a single address
 * can be a useful block (a block between two such nodes covers more and
 * serves the same addresses).  A dynamic programme over that tree gives,
 * for every budget k = 1..K, the smallest total number of addresses a
 * cover with at most k blocks opens; blocks must lie inside `allowed`
 * (the replaced rule's sources minus excluded ones).  The trade-off then
 * takes the fewest blocks whose total is at most open_factor times the
 * best total within the budget (docs/harden.md).  When no cover within
 * the budget avoids the addresses outside `allowed`, the budget doubles.  Written here because no
 * Debian library does this; it is O(n K^2) for n addresses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harden_int.h"

#define INF HUGE_VAL

struct node {
    uint8_t len;            /* prefix length of the block */
    nsg_u128 net;           /* its network address */
    int left, right;        /* children (-1: a leaf = one address) */
    double *cost;           /* cost[k], k = 0..K: best total with <= k blocks */
    unsigned char *choice;  /* per k: 0 block, 1 split (split_k holds k1) */
    int *split_k;
};

struct tree {
    struct node *n;
    size_t len, cap;
    int family, bits;
    long K;
    const struct nsg_addrset *allowed;
};

/* Host mask of a prefix length (the bits a block leaves free). */
static nsg_u128 host_mask(int bits, int len)
{
    if (len >= bits)
        return 0;
    if (bits - len >= 128)
        return ~(nsg_u128)0;
    return (((nsg_u128)1) << (bits - len)) - 1;
}

static double block_size(int bits, int len)
{
    return ldexp(1.0, bits - len);
}

/* Longest common prefix length of a and b. */
static int lcp(nsg_u128 a, nsg_u128 b, int bits)
{
    nsg_u128 x = a ^ b;
    int n = 0;
    for (int i = bits - 1; i >= 0; i--) {
        if ((x >> i) & 1)
            break;
        n++;
    }
    return n;
}

static int new_node(struct tree *t)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->n = nsg_xrealloc(t->n, t->cap * sizeof(*t->n));
    }
    memset(&t->n[t->len], 0, sizeof(t->n[0]));
    return (int)t->len++;
}

/* The node of addresses a[lo..hi) (sorted, distinct). */
static int build(struct tree *t, const struct nsg_ip *a, size_t lo, size_t hi)
{
    int id = new_node(t), l = 0;
    struct node *n;
    size_t mid = lo;

    if (hi - lo == 1) {
        n = &t->n[id];
        n->len = (uint8_t)t->bits;
        n->net = a[lo].v;
        n->left = n->right = -1;
        return id;
    }
    l = lcp(a[lo].v, a[hi - 1].v, t->bits);
    /* split at bit (bits - l - 1): first address with that bit set */
    while (mid < hi && !((a[mid].v >> (t->bits - l - 1)) & 1))
        mid++;
    t->n[id].len = (uint8_t)l;
    t->n[id].net = a[lo].v & ~host_mask(t->bits, l);
    int left = build(t, a, lo, mid);
    int right = build(t, a, mid, hi);
    t->n[id].left = left;
    t->n[id].right = right;
    return id;
}

static bool inside(const struct tree *t, const struct node *n)
{
    return nsg_addrset_covers(t->allowed, (uint8_t)t->family, n->net,
                              n->net | host_mask(t->bits, n->len));
}

static void solve(struct tree *t, int id)
{
    struct node *n = &t->n[id];
    long K = t->K;
    n->cost = nsg_xcalloc((size_t)K + 1, sizeof(double));
    n->choice = nsg_xcalloc((size_t)K + 1, 1);
    n->split_k = nsg_xcalloc((size_t)K + 1, sizeof(int));
    n->cost[0] = INF;
    double self = inside(t, n) ? block_size(t->bits, n->len) : INF;
    if (n->left < 0) {
        for (long k = 1; k <= K; k++)
            n->cost[k] = self;
        return;
    }
    solve(t, n->left);
    solve(t, n->right);
    n = &t->n[id]; /* (no reallocation happens in solve, but be safe) */
    const struct node *L = &t->n[n->left], *R = &t->n[n->right];
    for (long k = 1; k <= K; k++) {
        double best = self;
        n->choice[k] = 0;
        for (long k1 = 1; k1 < k; k1++) {
            double c = L->cost[k1] + R->cost[k - k1];
            if (c < best) {
                best = c;
                n->choice[k] = 1;
                n->split_k[k] = (int)k1;
            }
        }
        n->cost[k] = best;
    }
}

static void free_dp(struct tree *t)
{
    for (size_t i = 0; i < t->len; i++) {
        free(t->n[i].cost);
        free(t->n[i].choice);
        free(t->n[i].split_k);
        t->n[i].cost = NULL;
        t->n[i].choice = NULL;
        t->n[i].split_k = NULL;
    }
}

static void emit(const struct tree *t, int id, long k, struct nsg_cidr *out,
                 size_t *n_out)
{
    const struct node *n = &t->n[id];
    if (n->left < 0 || n->choice[k] == 0) {
        out[(*n_out)++] =
            (struct nsg_cidr){(uint8_t)t->family, n->len, n->net};
        return;
    }
    emit(t, n->left, n->split_k[k], out, n_out);
    emit(t, n->right, k - n->split_k[k], out, n_out);
}

nsg_rc nsg_harden_cover(const struct nsg_ip *a, size_t n,
                        const struct nsg_addrset *allowed, long max_blocks,
                        double open_factor, struct nsg_cidr **out,
                        size_t *n_out, struct nsg_err *err)
{
    struct tree t = {0};
    long K = max_blocks < 1 ? 1 : max_blocks, pick;
    nsg_rc rc = NSG_OK;

    *out = NULL;
    *n_out = 0;
    if (!n)
        return NSG_OK;
    if ((size_t)K > n)
        K = (long)n; /* more blocks than addresses never help */
    for (size_t i = 0; i < n; i++)
        if (!nsg_addrset_contains(allowed, &a[i])) {
            char ip[NSG_IP_STRLEN];
            nsg_ip_format(&a[i], ip);
            return nsg_err_set(err, NSG_E_INPUT,
                               "observed source %s is outside the addresses "
                               "a narrowed rule may allow",
                               ip);
        }
    t.family = a[0].family;
    t.bits = t.family == 4 ? 32 : 128;
    t.allowed = allowed;
    int root = build(&t, a, 0, n);
    for (;;) { /* the budget doubles while no cover within it avoids the
                  addresses outside `allowed` (single addresses always do) */
        t.K = K;
        solve(&t, root);
        if (t.n[root].cost[K] < INF || (size_t)K >= n)
            break;
        free_dp(&t);
        K = (size_t)K * 2 > n ? (long)n : K * 2;
    }
    const double *cost = t.n[root].cost;
    /* feasible: single addresses are inside, so cost[K] is finite */
    pick = K;
    for (long k = 1; k <= K; k++)
        if (cost[k] <= open_factor * cost[K]) {
            pick = k;
            break;
        }
    *out = nsg_xcalloc((size_t)pick + 1, sizeof(**out));
    emit(&t, root, pick, *out, n_out);
    free_dp(&t);
    free(t.n);
    return rc;
}
