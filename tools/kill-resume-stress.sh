#!/usr/bin/env bash
# Stress test of resume after kill -9: KillAndResumeTest with N more kills at random points over
# the whole run (the last step included), each resumed and compared bit for bit with an
# uninterrupted run. CI runs the test's three fixed kills; this runs many more.
#
#   tools/kill-resume-stress.sh [TRIALS] [SEED]     (default 50 trials, seed 16)
#
# About 7 s per trial on two cores. A failure prints the kill point ("random-<step>") and leaves
# the surefire report in train/target/surefire-reports.
set -euo pipefail
cd "$(dirname "$0")/.."
trials="${1:-50}"
seed="${2:-16}"
exec ./mvnw -B -q -o -pl train -am test -Dtest=KillAndResumeTest \
  -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmezo4j.killTrials="$trials" -Dmezo4j.killSeed="$seed"
