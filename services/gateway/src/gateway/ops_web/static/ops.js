// Small improvements on pages that work without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The year switcher shows the chosen year at once (the button stays for no-script use).
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }

  const detail = document.getElementById("detail");
  const map = document.getElementById("map");
  if (!detail || !map) return;
  const body = document.getElementById("detail-body");

  async function show(nis, link) {
    const url = new URL(detail.dataset.url + encodeURIComponent(nis), window.location.href);
    url.searchParams.set("year", detail.dataset.year);
    if (detail.dataset.lang !== "nl") url.searchParams.set("lang", detail.dataset.lang);
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return false;
    body.innerHTML = await response.text();  // server-rendered, autoescaped fragment
    for (const other of map.querySelectorAll("a.selected")) other.classList.remove("selected");
    if (link) link.classList.add("selected");
    const choose = document.getElementById("nis");
    if (choose) choose.value = nis;
    history.replaceState(null, "", link ? link.getAttribute("href") : window.location.href);
    detail.focus();
    return true;
  }

  // Clicking a municipality (or Enter on a focused one) loads its detail in place.
  map.addEventListener("click", async (event) => {
    const link = event.target.closest("a.municipality");
    if (!link) return;
    event.preventDefault();
    if (!(await show(link.dataset.nis, link))) window.location.href = link.getAttribute("href");
  });

  const choose = document.getElementById("choose");
  if (choose) {
    choose.addEventListener("submit", async (event) => {
      event.preventDefault();
      const nis = document.getElementById("nis").value;
      const link = map.querySelector(`a.municipality[data-nis="${CSS.escape(nis)}"]`);
      if (!(await show(nis, link))) choose.submit();
    });
  }
});
