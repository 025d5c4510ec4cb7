// `npm run bench -- routing [--engine sqlite|postgres] [--size POSTS] [--runs N]`: the routing rules' share
// of the pipeline on its own, over more posts and runs than the inbox benchmark gives it (its 2 runs of
// 2,000 posts at `--size 100000` vary by ±30 % from run to run on this machine).
import { type BenchArgs, type BenchResult, machine, round } from './lib.ts';
import { rulesOverhead } from './rules-overhead.ts';

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export async function run(args: BenchArgs): Promise<BenchResult> {
  const posts = args.size ?? 20_000;
  const { without, withRules, routingOnly, cpuWithout, cpuWith, routingCpu, routed } = await rulesOverhead(
    args.engine,
    posts,
    args.runs,
  );
  const best = (xs: number[]) => Math.min(...xs);
  const list = (xs: number[]) => xs.map((s) => round(s, 2)).join(' ');
  return {
    bench: 'routing',
    engine: args.engine,
    params: {
      posts,
      rules: 100,
      runs: args.runs,
      rules_fired: routed.fired,
      cases_made_by_rules: routed.cases,
      pipeline_s_without_rules: list(without),
      pipeline_s_with_rules: list(withRules),
      routing_s_with_rules: list(routingOnly),
      // This process's CPU seconds (on PostgreSQL the server's are not in them).
      process_cpu_s_without_rules: list(cpuWithout),
      process_cpu_s_with_rules: list(cpuWith),
      routing_process_cpu_s: list(routingCpu),
      rules_overhead_process_cpu_ratio: round(median(cpuWith) / median(cpuWithout), 2),
    },
    machine: machine(),
    metrics: {
      pipeline_items_per_sec_without_rules: Math.round(posts / best(without)),
      pipeline_items_per_sec_with_rules: Math.round(posts / best(withRules)),
      routing_ms_per_1000_posts: round((1000 * best(routingOnly) * 1000) / posts, 1),
      rules_overhead_ratio: round(best(withRules) / best(without), 2),
      rules_overhead_ratio_median: round(median(withRules) / median(without), 2),
    },
  };
}
