// Onthaal console: "wrong data" on a sociale kaart service. Records a data-quality signal with the worker's
// remark (POST /api/v1/signals, scrubbed of personal data by the API); the service then shows in the ELZ's
// review queue at /kaart/. Uses t(), api(), say() and staff.lang from staff.js.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("report-wrong");
  const remark = document.getElementById("wrong-remark");
  button.addEventListener("click", async () => {
    const serviceId = document.getElementById("service").value;
    if (!serviceId) { say(t("noService"), true); return; }
    try {
      await api("/api/v1/signals", {
        method: "POST",
        json: {
          signal_type: "data_quality", service_id: serviceId, source: "worker", category_ids: [],
          language: staff.lang, text: remark.value.trim() || null,
        },
      });
      remark.value = "";
      say(t("wrongDone"));
    } catch (error) {
      say(error.message, true);
    }
  });
});
