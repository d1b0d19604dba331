// Shows a flow's BPMN 2.0 file in the vendored bpmn-js viewer; the number of import warnings is put on
// the canvas (data-warnings) and shown, so a file bpmn-js cannot read cleanly is visible at once.
(function () {
  "use strict";
  const canvas = document.getElementById("bpmn-canvas");
  const status = document.getElementById("bpmn-status");
  const viewer = new window.BpmnJS({ container: canvas });
  fetch(canvas.dataset.src, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function (result) {
      const warnings = result.warnings || [];
      canvas.dataset.warnings = String(warnings.length);
      canvas.dataset.state = "imported";
      viewer.get("canvas").zoom("fit-viewport");
      status.textContent = warnings.length
        ? status.dataset.warned.replace("{n}", String(warnings.length)) + " " + warnings.map(function (w) { return w.message; }).join("; ")
        : status.dataset.ok;
    })
    .catch(function (error) {
      canvas.dataset.state = "failed";
      status.textContent = status.dataset.failed + " " + error.message;
    });
}());
