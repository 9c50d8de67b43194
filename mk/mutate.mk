# make mutate: the mutation pass over the x86 kernels (scripts/mutate.sh; not part of make test
# or CI: it takes tens of minutes). Knobs: MUTATE_COUNT, MUTATE_SEED, MUTATE_FILES,
# MUTATE_TIMEOUT, MUTATE_JOBS, MUTATE_LOG, MUTATE_RERUN (see the script's header).
.PHONY: mutate
mutate: all
	@BUILD='$(BUILD)' bash scripts/mutate.sh
