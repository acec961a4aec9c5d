/** `/docs`: how to use VisionROI, server-rendered (no island: nothing on it changes). */

/** The docs page body. */
export function DocsPage() {
  return (
    <article class="docs card">
      <h1>Using VisionROI</h1>
      <p>
        VisionROI reads values out of camera images: point a camera at a screen, meter,
        seven-segment display or lamp, draw regions of interest (ROIs) on its picture, and get each
        region's reading as data — on this site, over WebSockets, in a log, and over MQTT. The HTTP
        API is described in full on <a href="/api/docs">the API page</a> (machine-readable:{" "}
        <a href="/openapi.json">/openapi.json</a>).
      </p>

      <h2>1. Add a source</h2>
      <p>
        On{" "}
        <a href="/create_source">Sources</a>, give a name and a source: an
        RTSP/HTTP/RTMP/UDP/TCP/SRT URL, a video file (looped like a camera), a still image
        (re-delivered once a second), a device such as <code>/dev/video0</code>, or{" "}
        <code>demo</code>{" "}
        (a synthetic panel with changing numbers and a blinking lamp). Each row shows its camera's
        state — <em>live</em>, <em>stalled</em>, <em>restarting</em> or <em>failed</em>{" "}
        with ffmpeg's own reason — and a thumbnail. Names and sources can be changed inline; a
        running camera restarts with the new settings. Only capture URL schemes are accepted.
      </p>

      <h2>2. Draw ROIs</h2>
      <p>
        On the{" "}
        <a href="/roi">ROI editor</a>, pick a source: the editor opens its own preview stream for
        your browser tab, so several people can edit at once.
      </p>
      <ul>
        <li>
          <b>Rectangle</b>: drag on the frame.{" "}
          <b>Polygon</b>: click four corners (any order; they are stored as top-left, top-right,
          bottom-right, bottom-left so crops are never mirrored).
        </li>
        <li>
          <b>Page</b>: drag around a whole screen; its picture is captured as the page's template
          for page detection. "Capture template" re-takes it.
        </li>
        <li>
          <b>Select</b>: drag a ROI to move it, a yellow corner to reshape it, the background to
          pan. The mouse wheel or the +/− buttons zoom. Ctrl+Z and Ctrl+Shift+Z undo and redo;
          Delete removes the selected ROI.
        </li>
        <li>
          Each ROI has an id, a name, a group, a module with its settings, an optional MQTT config
          and a "save crops" flag. An ROI without a module is kept but not read.
        </li>
        <li>
          Changes are saved automatically a moment after you stop; if the server refuses a change
          (for example a duplicate id) the reason is shown and nothing is written.
        </li>
        <li>
          <b>Test</b>{" "}
          reads the selected ROI (or all ROIs with a module) on the current frame and shows each
          text next to its ROI, so you can tune them before running a job.
        </li>
      </ul>

      <h2>3. Modules</h2>
      <ul>
        <li>
          <code>tesseract_ocr</code> and <code>rapid_ocr</code>: text.
        </li>
        <li>
          <code>digits</code>: seven-segment displays and meter counters (numbers; settings for the
          allowed characters, implied decimals, digit count).
        </li>
        <li>
          <code>light_button</code>: a lamp or lit button, on or off.
        </li>
        <li>
          <code>yolo</code>: object detection;{" "}
          <code>typhoon_ocr</code>: a vision-language OCR service.
        </li>
      </ul>
      <p>
        Module settings in the editor are generated from each module's own schema, so they always
        match what the server accepts.
      </p>

      <h2>4. Run jobs</h2>
      <p>
        On{" "}
        <a href="/inference">Inference</a>, add a panel per job: choose a source, a group (or All),
        the interval between reads (0 = every new frame) and the result timeout (each ROI's
        deadline). Start shows the live video with ROI outlines, a card per ROI with its crop, text,
        module and read time, and the tail of the source's result log. Jobs keep running when you
        close the page or restart the server; their panels come back on the next visit. A tick that
        arrives while the previous frame is still being read is skipped and counted, so slow modules
        never build a queue.
      </p>
      <p>
        <a href="/inference_page">Page mode</a>{" "}
        runs a job without a group: each frame is matched against the source's page templates, the
        detected page is shown with every page's score, and only that page's ROIs (those whose group
        is the page name) are read.
      </p>

      <h2>5. Watch and publish</h2>
      <p>
        <a href="/home">Home</a>{" "}
        shows streams online, running jobs, latency, each job's live values with staleness
        colouring, plots of numeric values over time and each module's read latency. Results stream
        on <code>/ws_roi_result/&lt;cam_id&gt;</code>; every frame is logged to{" "}
        <code>custom.log</code> in the source's folder. <a href="/history">History</a>{" "}
        charts and lists every reading of a source over the last hour, day, week or a range of your
        choice, and downloads exactly those rows as CSV or JSON (<code>/api/results</code>). With an
        {" "}
        <a href="/create_mqtt">MQTT config</a>{" "}
        (create, edit, test the connection, assign it to every ROI of a source or group) named on an
        ROI, each reading is published to{" "}
        <code>&lt;base topic&gt;/&lt;source&gt;/&lt;group&gt;/&lt;ROI id&gt;</code>.
      </p>

      <h2>6. Access</h2>
      <p>
        Bound to 127.0.0.1 (the default) no login is needed. Bound to another address, every page,
        route and WebSocket needs the access token printed at first start (stored in{" "}
        <code>.access_token</code> in the data directory): sign in on{" "}
        <a href="/login">/login</a>, or send{" "}
        <code>Authorization: Bearer &lt;token&gt;</code>. Requests from other sites' pages are
        always refused.
      </p>
    </article>
  );
}
