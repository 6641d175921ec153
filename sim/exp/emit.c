/* emit.c - see emit.h. */
#include "exp/emit.h"

#include <string.h>

void exp_shell_quote(const char *s, struct strbuf *sb)
{
    strbuf_addc(sb, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            strbuf_addf(sb, "'\\''");
        else
            strbuf_addc(sb, *s);
    }
    strbuf_addc(sb, '\'');
}

/* EXE run ARGS... (no index). */
static void command(const struct exp_jobspec *j, struct strbuf *sb)
{
    exp_shell_quote(j->exe, sb);
    strbuf_addf(sb, " run");
    for (size_t i = 0; i < j->n_args; i++) {
        strbuf_addc(sb, ' ');
        exp_shell_quote(j->args[i], sb);
    }
}

void exp_emit_joblist(const struct exp_jobspec *j, const size_t *indices, size_t n,
                      struct strbuf *sb)
{
    for (size_t i = 0; i < n; i++) {
        strbuf_addf(sb, "cd ");
        exp_shell_quote(j->cwd, sb);
        strbuf_addf(sb, " && ");
        command(j, sb);
        strbuf_addf(sb, " --run-index %zu --quiet\n", indices ? indices[i] : i);
    }
}

void exp_emit_slurm(const struct exp_jobspec *j, size_t n_runs, struct strbuf *sb)
{
    strbuf_addf(sb, "#!/bin/sh\n"
                    "# pullsim experiment '%s': %zu runs as a Slurm job array.\n"
                    "#   sbatch %s/slurm.sh                 all runs\n"
                    "#   sbatch --array=3,7 %s/slurm.sh     only those (pullsim collect lists "
                    "the missing)\n"
                    "# then: pullsim collect %s\n",
                j->name, n_runs, j->out, j->out, j->out);
    strbuf_addf(sb, "#SBATCH --job-name=pullsim-%s\n#SBATCH --array=0-%zu\n", j->name,
                n_runs ? n_runs - 1 : 0);
    /* Slurm opens the output file before the script's cd: an absolute path. */
    if (j->out[0] == '/')
        strbuf_addf(sb, "#SBATCH --ntasks=1\n#SBATCH --output=%s/slurm/%%a.out\n", j->out);
    else
        strbuf_addf(sb, "#SBATCH --ntasks=1\n#SBATCH --output=%s/%s/slurm/%%a.out\n", j->cwd,
                    j->out);
    strbuf_addf(sb, "cd ");
    exp_shell_quote(j->cwd, sb);
    strbuf_addf(sb, " || exit 1\nexec ");
    command(j, sb);
    strbuf_addf(sb, " --run-index \"$SLURM_ARRAY_TASK_ID\" --quiet\n");
}
