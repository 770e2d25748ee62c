// Finding a stop: the number printed on its label (a field, and on the index an on-screen number pad), and on the
// index a search that filters the list by name as the visitor types. Their controls stay disabled until this script
// enables them: the list of stops works without it.
(function () {
  "use strict";

  function enable(part) {
    Array.prototype.forEach.call(part.querySelectorAll("input, button"), function (control) { control.disabled = false; });
  }

  var form = document.querySelector("form.finder");
  if (form) {
    var field = form.querySelector("#stop-number");
    var message = form.querySelector(".finder-message");
    var known = {};
    form.getAttribute("data-stops").split(" ").forEach(function (number) { if (number) known[number] = true; });

    var go = function (event) {
      event.preventDefault();
      // Only digits count: a visitor may type "12번" or " 12", and a phone may offer full-width digits.
      var typed = String(field.value).replace(/[０-９]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xFEE0); });
      var number = typed.replace(/\D/g, "").replace(/^0+(?=\d)/, "");
      if (number && known[number]) {
        message.textContent = "";
        window.location.href = form.getAttribute("data-base") + number + ".html";
        return;
      }
      // One line, read out by screen readers (role=status); the field keeps what was typed, to correct it.
      message.textContent = form.getAttribute("data-unknown").replace("{number}", typed.trim() || "—");
      field.focus();
    };
    form.addEventListener("submit", go);

    var keypad = form.querySelector(".keypad");
    if (keypad) {
      keypad.addEventListener("click", function (event) {
        var key = event.target.closest ? event.target.closest("button[data-key]") : null;
        if (!key) return;
        var value = key.getAttribute("data-key");
        field.value = value === "delete" ? field.value.slice(0, -1) : (field.value + value).slice(0, 5);
        message.textContent = "";
      });
    }
    enable(form);
  }

  var search = document.querySelector(".search");
  var list = document.getElementById("stop-list");
  if (search && list) {
    var input = search.querySelector("#stop-search");
    var status = search.querySelector("#search-status");
    var items = Array.prototype.slice.call(list.children);
    // Names are matched without spaces or case: "청자상감" finds 청자 상감운학문 매병, "moon" finds Moon Jar.
    var squash = function (text) { return String(text).toLowerCase().replace(/\s+/g, ""); };
    var keys = items.map(function (item) { return squash(item.getAttribute("data-search") || item.textContent); });
    var timer = null;

    var filter = function () {
      var wanted = squash(input.value);
      var shown = 0;
      items.forEach(function (item, i) {
        var match = !wanted || keys[i].indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) shown += 1;
      });
      // Announced once the visitor pauses, not at every keystroke.
      clearTimeout(timer);
      timer = setTimeout(function () {
        status.textContent = !wanted ? "" : shown ? search.getAttribute("data-count").replace("{count}", shown)
          : search.getAttribute("data-none");
      }, 400);
    };
    input.addEventListener("input", filter);
    enable(search);
  }
})();
