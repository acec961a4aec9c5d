/** `$jobs`: every job's status from `/api/jobs`, polled every 2 s while shown. */
import { polledStore } from "./polled.ts";
import type { JobStatus } from "./types.ts";

const polled = polledStore<JobStatus[]>("/api/jobs", 2_000);

/** The jobs store. */
export const $jobs = polled.store;

/** Re-reads the jobs now (after a start or stop). */
export const refreshJobs = polled.refresh;
