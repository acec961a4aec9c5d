import assert from "node:assert/strict";
import { allocFrameData, type Frame } from "../actors/frame_sources/frame.ts";
import { createPageDetector, type PageEntry, type PageMatcher } from "./page_detector.ts";
import type { PageMatch, PageTemplate } from "./page_types.ts";

const frame: Frame = { width: 8, height: 8, data: allocFrameData(8, 8), seq: 1, time: 0 };
const square = [{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 4 }, { x: 0, y: 4 }];

/** A matcher that answers fixed scores per page name and records what it was asked. */
function fixedScores(scores: Record<string, number>) {
  const asked: PageTemplate[][] = [];
  const matcher: PageMatcher = {
    detectPages(_frame, pages) {
      asked.push(pages);
      return Promise.resolve(pages.map((p): PageMatch => ({
        id: p.id,
        page: p.page,
        score: scores[p.page],
        method: "features",
        transform: [1, 0, 3, 0, 1, 0, 0, 0, 1],
      })));
    },
  };
  return { matcher, asked };
}

const page = (id: string, extra: Partial<PageEntry> = {}): PageEntry => ({
  id,
  page: id,
  image: btoa(`jpeg of ${id}`),
  points: square,
  ...extra,
});

Deno.test("the best page over 0.4 is the group; scores come sorted, best first", async () => {
  const { matcher } = fixedScores({ a: 0.3, b: 0.8, c: 0.5 });
  const found = await createPageDetector(matcher)(frame, [page("a"), page("b"), page("c")]);
  assert.equal(found.group, "b");
  assert.deepEqual(found.scores, [
    { page: "b", score: 0.8 },
    { page: "c", score: 0.5 },
    { page: "a", score: 0.3 },
  ]);
  assert.deepEqual(found.transform, [1, 0, 3, 0, 1, 0, 0, 0, 1]);
  assert.equal(found.pageId, "b");
});

Deno.test("a score equal to the threshold does not select; a page may set its own", async () => {
  const { matcher } = fixedScores({ a: 0.4, b: 0.3 });
  assert.equal((await createPageDetector(matcher)(frame, [page("a"), page("b")])).group, "");
  const lenient = await createPageDetector(matcher)(frame, [
    page("a"),
    page("b", { threshold: 0.25 }),
  ]);
  assert.equal(lenient.group, "b");
  const strict = await createPageDetector(matcher, { threshold: 0.2 })(frame, [page("a")]);
  assert.equal(strict.group, "a");
});

Deno.test("pages without a template or with a bad polygon are not sent; keys are content hashes", async () => {
  const { matcher, asked } = fixedScores({ a: 0.9, b: 0.9, c: 0.9 });
  const logs: string[] = [];
  const detect = createPageDetector(matcher, { log: (l) => logs.push(l) });
  await detect(frame, [page("a"), page("b", { image: null }), page("c", { points: [] })]);
  await detect(frame, [page("a"), page("a2", { image: page("a").image })]);
  assert.deepEqual(asked[0].map((p) => p.page), ["a"]);
  assert.deepEqual(logs, ['page c not scored: ROI "c": points must have 4 corners, got 0']);
  assert.equal(asked[1][0].key, asked[1][1].key, "same image, same key");
  assert.equal(asked[1][0].key, asked[0][0].key);
});

Deno.test("a failed detection selects nothing and says why instead of throwing", async () => {
  const logs: string[] = [];
  const broken: PageMatcher = {
    detectPages: () => Promise.reject(new Error("page detection: worker died: gone")),
  };
  const found = await createPageDetector(broken, { log: (l) => logs.push(l) })(frame, [page("a")]);
  assert.deepEqual(found, {
    group: "",
    scores: [],
    matches: [],
    error: "page detection: worker died: gone",
  });
  assert.equal(logs.length, 1);
});
