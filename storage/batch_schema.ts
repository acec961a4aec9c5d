/** The SQL migrations of visionroi.db: entry `i` moves `user_version` from `i` to `i + 1`. Append only. */

/** Every migration in order; never edit a released one, add the next. */
export const BATCH_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE batch_tasks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    group_name TEXT NOT NULL,
    rois TEXT NOT NULL,
    kind TEXT NOT NULL,
    files TEXT NOT NULL,
    dir TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    every_n_frames INTEGER NOT NULL,
    fps REAL,
    video_fps REAL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    status TEXT NOT NULL,
    frames_expected INTEGER NOT NULL,
    frames_done INTEGER NOT NULL DEFAULT 0,
    last_frame INTEGER NOT NULL DEFAULT -1,
    roi_reads INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    busy_ms REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    error TEXT
  );
  CREATE INDEX batch_tasks_status ON batch_tasks (status, created_at);
  CREATE TABLE batch_results (
    task_id TEXT NOT NULL,
    frame_index INTEGER NOT NULL,
    frame_time REAL,
    roi_id TEXT NOT NULL,
    name TEXT NOT NULL,
    module TEXT NOT NULL,
    text TEXT NOT NULL,
    value REAL,
    confidence REAL,
    duration REAL NOT NULL,
    error TEXT,
    PRIMARY KEY (task_id, frame_index, roi_id)
  );
  CREATE TABLE live_results (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    cam_id TEXT NOT NULL,
    source TEXT NOT NULL,
    roi_id TEXT NOT NULL,
    name TEXT NOT NULL,
    module TEXT NOT NULL,
    text TEXT NOT NULL,
    value REAL,
    duration REAL NOT NULL
  );
  CREATE INDEX live_results_time ON live_results (time);
  CREATE INDEX live_results_source ON live_results (source, roi_id, time);
  `,
  // A task that ended short of the frames ffprobe promised says so (the video was cut short).
  "ALTER TABLE batch_tasks ADD COLUMN warning TEXT;",
  // Plausibility rules: a live reading's status (accepted / rejected; null: no rules) and reason.
  "ALTER TABLE live_results ADD COLUMN status TEXT; ALTER TABLE live_results ADD COLUMN reason TEXT;",
];
