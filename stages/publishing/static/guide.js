// Read-along for a stop page: highlight the sentence being spoken, and seek when a sentence is chosen.
// The cue times are in the page (data-start, data-end) because Chromium will not load a <track> from file://,
// so the highlight follows the audio's own clock (timeupdate) rather than the track's cuechange events.
(function () {
  "use strict";
  var audio = document.getElementById("narration");
  var cues = Array.prototype.slice.call(document.querySelectorAll(".cue[data-start]"));
  if (!audio || !cues.length) return;
  var starts = cues.map(function (cue) { return parseFloat(cue.getAttribute("data-start")); });
  var current = -1;

  function cueAt(time) {
    // The last cue starting at or before `time`: cues are in order and leave no gaps.
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= time) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function highlight() {
    var index = audio.currentTime > 0 || !audio.paused ? cueAt(audio.currentTime) : -1;
    if (index === current) return;
    if (current >= 0) { cues[current].classList.remove("current"); cues[current].removeAttribute("aria-current"); }
    if (index >= 0) { cues[index].classList.add("current"); cues[index].setAttribute("aria-current", "true"); }
    current = index;
  }

  function seek(cue) {
    // A hair past the start, so rounding never lands the clock at the end of the previous sentence.
    audio.currentTime = parseFloat(cue.getAttribute("data-start")) + 0.01;
    highlight();
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});  // autoplay refused: the seek still stands
  }

  ["timeupdate", "seeked", "play", "ended"].forEach(function (type) { audio.addEventListener(type, highlight); });
  cues.forEach(function (cue) {
    cue.addEventListener("click", function () { seek(cue); });
    cue.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
        event.preventDefault();  // Space would scroll the page
        seek(cue);
      }
    });
  });
  highlight();
})();
