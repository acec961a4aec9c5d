import assert from "node:assert/strict";
import { area, clampPoint, movePoints, nextId, orderCorners, rectFrom } from "./roi_geometry.ts";
import { commit, fresh, preview, redo, undo } from "./roi_history.ts";
import { backoffDelay } from "./backoff.ts";
import { wsUrl } from "./live_socket.ts";
import { appendRow, HISTORY_POINTS } from "./results.ts";
import type { RoiItem } from "./types.ts";

const sq = [{ x: 10, y: 10 }, { x: 50, y: 10 }, { x: 50, y: 30 }, { x: 10, y: 30 }];

Deno.test("corners clicked in any order are stored TL, TR, BR, BL", () => {
  for (const order of [[2, 0, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]]) {
    assert.deepEqual(orderCorners(order.map((i) => sq[i])), sq);
  }
  assert.deepEqual(rectFrom({ x: 50, y: 30 }, { x: 10, y: 10 }), sq);
  assert.equal(area(sq), 800);
});

Deno.test("moves stop at the frame edge and keep the shape; points are clamped", () => {
  const size = { width: 100, height: 100 };
  assert.deepEqual(movePoints(sq, { x: -30, y: 0 }, size).map((p) => p.x), [0, 40, 40, 0]);
  assert.deepEqual(movePoints(sq, { x: 0, y: 500 }, size).map((p) => p.y), [80, 80, 100, 100]);
  assert.deepEqual(clampPoint({ x: -5, y: 120.04 }, size), { x: 0, y: 100 });
  assert.equal(nextId("roi", ["roi_1", "roi_3"]), "roi_2");
});

Deno.test("undo returns to the state before a drag, redo replays it, a new change clears redo", () => {
  const a: RoiItem[] = [{ id: "a", type: "roi", points: sq }];
  const dragged: RoiItem[] = [{ ...a[0], points: sq.map((p) => ({ x: p.x + 5, y: p.y })) }];
  let h = fresh(a);
  h = preview(h, dragged);
  h = commit(h, dragged, a);
  assert.equal(h.past.length, 1);
  h = undo(h);
  assert.equal(h.present, a);
  h = redo(h);
  assert.equal(h.present, dragged);
  h = commit(undo(h), []);
  assert.equal(h.future.length, 0);
  assert.equal(commit(h, h.present, h.present), h, "a no-op click records nothing");
});

Deno.test("reconnects back off from 0.5 s to a 10 s cap; sockets follow the page scheme", () => {
  assert.equal(backoffDelay(0, () => 0.5), 500);
  assert.equal(backoffDelay(3, () => 0.5), 4000);
  assert.equal(backoffDelay(20, () => 0.5), 10_000);
  assert.equal(wsUrl("/ws/x", { protocol: "https:", host: "h:1" }), "wss://h:1/ws/x");
  assert.equal(wsUrl("/ws/x", { protocol: "http:", host: "h" }), "ws://h/ws/x");
});

Deno.test("plot series keep columns aligned and bounded", () => {
  let s = appendRow({ times: [], columns: {} }, 1, { a: 1 });
  s = appendRow(s, 2, { b: 5 });
  assert.deepEqual(s.columns, { a: [1, null], b: [null, 5] });
  for (let i = 0; i < HISTORY_POINTS + 5; i++) s = appendRow(s, 3 + i, { a: i });
  assert.equal(s.times.length, HISTORY_POINTS);
  assert.equal(s.columns.b.length, HISTORY_POINTS);
});
