/*
 * refcmd.h - the "pullsim ref [--json] REF..." subcommand: how the kubelet,
 * containerd and the API server read image references.
 *
 * For each reference it reports validity (ParseNormalizedNamed, the
 * kubelet's view), domain and path after normalization, tag and digest as
 * written, the reference containerd pulls (ParseDockerRef), and the
 * imagePullPolicy the API server defaults an empty policy to.
 * Source: spec/kubelet-semantics.md §1-2; see imageref.h.
 *
 * Output, one entry per REF in argument order:
 *  - human: a block of "label: value" lines, labels aligned, blocks
 *    separated by a blank line; absent values print as "-".
 *  - --json: one JSON object per line with exactly the keys input, valid,
 *    error, domain, path, tag, digest, normalized, defaultPullPolicy
 *    (absent strings are null; an invalid REF has error set, the other
 *    strings null, and defaultPullPolicy "IfNotPresent").
 * Invalid REFs also get one diagnostic line on err; the others are still
 * reported.
 * Exit status: 0 all valid; 2 any invalid REF, no REF, or an unknown option
 *   (usage on err); 1 if writing to out fails. -h/--help prints usage on out
 *   and returns 0. "--" ends options, so "-- -docker" checks "-docker".
 * Ownership: out and err are borrowed and left open.
 */
#ifndef PULLSIM_REFCMD_H
#define PULLSIM_REFCMD_H

#include <stdio.h>

/* argv[0] is "ref"; argv[1..argc-1] are options and references.
 * Returns the process exit status. */
int refcmd_main(int argc, char **argv, FILE *out, FILE *err);

#endif
