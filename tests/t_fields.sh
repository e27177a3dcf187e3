#!/usr/bin/env bash
# t_fields.sh - model/model_fields.c is the one list of the ARM property
# fields nsgproof knows: every field name the decoder (model/model_arm_*.c,
# model/model_tags.c) reads must be in it, or the importer would not give
# az's and PowerShell's spellings of it ARM's spelling and templates would
# drop it.  The check fails when a field name is added to the decoder only.
set -u
here=$(cd "$(dirname "$0")" && pwd)
model=$here/../model
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

listed=$(grep -oE '^ *\{"[A-Za-z]+", [MI]\}' "$model/model_fields.c" |
         grep -oE '"[A-Za-z]+"' | tr -d '"' | sort -u)
[ "$(printf '%s\n' "$listed" | wc -l)" -ge 40 ] && ok ||
  ko "model_fields.c: could not read the list ($(printf '%s' "$listed" | wc -l) names)"

# Field names: camelCase string literals of the decoder, outside comments.
# Not property fields: the head of every resource (read the same way in
# every shape), the Service Tags document's keys, values, and segments of
# resource ids.
head_keys=' id name type location etag properties values ruleCollections securityAdminConfigurations '
read=$(cat "$model"/model_arm_*.c "$model/model_tags.c" |
       sed -e 's#/\*.*\*/##g' -e '/^ *\/\?\*/d' |
       grep -oE '"[a-z][A-Za-z]+"' | tr -d '"' | sort -u)
n=0
for k in $read; do
  case "$head_keys" in *" $k "*) continue ;; esac
  n=$((n + 1))
  printf '%s\n' "$listed" | grep -qx "$k" && ok ||
    ko "the decoder reads \"$k\", which model/model_fields.c does not list"
done
[ $n -ge 40 ] && ok || ko "found only $n field names in the decoder"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
