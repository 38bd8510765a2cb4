# Shared by the real-gateway-mode runs of the OpenFaaS acceptance tests
# (testacc-openfaas-sim.sh against a simulator process, testacc-openfaas-real.sh against
# the real OpenFaaS on the testbed); sourced, not run. The caller has exported the
# FAAS_TEST_OPENFAAS_* variables and sets LABEL; REQUIRED lists the tests that must pass.

# acc_env sets up terraform for the acceptance tests (offline, no CLI configuration).
acc_env() {
  mkdir -p "$BIN"
  [ -f "$BIN/empty.tfrc" ] || touch "$BIN/empty.tfrc"
  export TF_ACC=1 TF_ACC_TERRAFORM_PATH=${TF_ACC_TERRAFORM_PATH:-$(command -v terraform)}
  export TF_CLI_CONFIG_FILE=${TF_CLI_CONFIG_FILE:-$BIN/empty.tfrc} CHECKPOINT_DISABLE=1
  unset OPENFAAS_URL OPENFAAS_USERNAME OPENFAAS_PASSWORD OPENFAAS_TOKEN FAAS_TEST_OPENFAAS_TOKEN
}

# check_covered LOG: with FAAS_TEST_COVERED (set by make test to the file its in-process
# run wrote; see FAAS_TEST_SIMULATOR_ONLY in internal/provider/platform_test.go), fails
# unless every test listed there for this run ($LABEL) passed in LOG: the in-process run
# skipped them because this run covers them, so none may be lost here.
check_covered() {
  local log=$1 run name missing=()
  [ -n "${FAAS_TEST_COVERED:-}" ] || return 0
  [ -f "$FAAS_TEST_COVERED" ] || { echo "$LABEL: $FAAS_TEST_COVERED (FAAS_TEST_COVERED) does not exist"; return 1; }
  while IFS=$'\t' read -r run name; do
    [ "$run" = "$LABEL" ] || continue
    grep -qF -- "--- PASS: $name (" "$log" || missing+=("$name")
  done <"$FAAS_TEST_COVERED"
  if [ ${#missing[@]} -gt 0 ]; then
    echo "$LABEL: the in-process run skipped these tests because this run covers them, but they did not pass here: ${missing[*]}"
    return 1
  fi
  echo "$LABEL: the $(grep -c "^$LABEL"$'\t' "$FAAS_TEST_COVERED" || true) tests the in-process run left to this run all passed here"
}

# check_run LOG STATUS ELAPSED: fails when go test failed (STATUS), when the password
# appears in LOG (also base64-encoded with the user name, as basic auth sends it), when a
# test in REQUIRED did not pass (if CHECK_REQUIRED=1), or when the tests left a function
# or secret behind; then prints what skipped and the counts.
check_run() {
  local log=$1 status=$2 elapsed=$3 passed skipped failed missing=() name leftovers covered=""
  fail_run() {
    cat "$log"
    [ -n "${ON_FAILURE:-}" ] && "$ON_FAILURE"
    echo "$LABEL: $*" >&2
    exit 1
  }
  [ "$status" -eq 0 ] || fail_run "go test failed (exit $status)"
  if grep -qF -- "$FAAS_TEST_OPENFAAS_PASSWORD" "$log"; then
    fail_run "the gateway password appears in the test output"
  fi
  # The credentials as sent in the Authorization header, which an echoing proxy shows.
  if [ -n "${FAAS_TEST_OPENFAAS_USERNAME:-}" ] &&
    grep -qF -- "$(printf '%s:%s' "$FAAS_TEST_OPENFAAS_USERNAME" "$FAAS_TEST_OPENFAAS_PASSWORD" | base64 -w0)" "$log"; then
    fail_run "the gateway credentials, base64-encoded as in the Authorization header, appear in the test output"
  fi
  passed=$(grep -cE '^ *--- PASS: ' "$log" || true)
  skipped=$(grep -cE '^ *--- SKIP: ' "$log" || true)
  failed=$(grep -cE '^ *--- FAIL: ' "$log" || true)
  if [ "${CHECK_REQUIRED:-0}" = 1 ]; then
    for name in "${REQUIRED[@]}"; do
      grep -qF -- "--- PASS: $name (" "$log" || missing+=("$name")
    done
    [ ${#missing[@]} -eq 0 ] || fail_run "these tests must pass in real-gateway mode but were skipped or did not run: ${missing[*]}"
    covered=$(check_covered "$log") || fail_run "$covered"
  fi
  leftovers=$("$BIN/faas-testclean" -dry-run)
  grep -q '^would remove 0 functions and 0 secrets' <<<"$leftovers" || fail_run "the tests left things on the gateway: $leftovers"
  echo "skipped, with the reason each gave:"
  # go test -v prints a top-level test's t.Skip reason just before its SKIP line, and a
  # subtest's just after (subtests are reported when their parent ends).
  awk 'pending != "" { if ($0 !~ /^ *(---|===) /) { sub(/^ +/, ""); print "  " pending ": " $0 } else print "  " pending ": " before; pending="" }
       /^ *--- SKIP: / { pending=$3; before=prev; sub(/^ +/, "", before); next }
       { prev=$0 }
       END { if (pending != "") print "  " pending ": " before }' "$log" || true
  if [ "${CHECK_REQUIRED:-0}" = 1 ]; then
    echo "$LABEL: all ${#REQUIRED[@]} required tests passed, nothing left behind, in ${elapsed}s"
  else
    echo "$LABEL: nothing left behind, in ${elapsed}s (a narrowed run: the required list was not checked)"
  fi
  [ -z "$covered" ] || echo "$covered"
  echo "$LABEL: $passed passed, $failed failed, $skipped skipped"
}
