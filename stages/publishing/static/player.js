// Listening on a stop page: playback speed (remembered), resuming where the visitor left this stop, going on to the
// next stop when asked (off by default, remembered), and Media Session metadata and actions for the lock screen.
// Storage may be off (private modes): then each page simply starts afresh.
(function () {
  "use strict";
  var audio = document.getElementById("narration");
  var controls = document.querySelector(".listening");
  if (!audio || !controls) return;
  var note = controls.querySelector(".listening-note");
  var SPEED = "guide-speed", AUTOPLAY = "guide-autoplay", PLACE = "guide-place:" + window.location.pathname;

  function load(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function save(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key); else window.localStorage.setItem(key, value);
    } catch (e) { /* storage off */ }
  }

  // -- speed -------------------------------------------------------------------------------------
  var buttons = Array.prototype.slice.call(controls.querySelectorAll("button[data-rate]"));
  function setRate(rate) {
    var known = buttons.some(function (b) { return b.getAttribute("data-rate") === rate; });
    if (!known) rate = "1";
    audio.defaultPlaybackRate = audio.playbackRate = parseFloat(rate);
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-rate") === rate)); });
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var rate = button.getAttribute("data-rate");
      setRate(rate);
      save(SPEED, rate);
    });
  });
  setRate(load(SPEED) || "1");
  // A new source resets the rate in some browsers: keep the visitor's.
  audio.addEventListener("loadedmetadata", function () { setRate(load(SPEED) || "1"); });

  // -- resume ------------------------------------------------------------------------------------
  var autoplayed = window.location.hash === "#play";  // arrived from the previous stop's end: start at the start
  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  // The audio is not loaded before it is played (preload="none": a visitor's data plan is theirs), so the place is
  // set as the start position now, and played from when the visitor presses play. Saved places stop short of the
  // end (see `ended`), so one is never past it.
  var place = parseFloat(load(PLACE));
  if (!autoplayed && place > 3) {  // not for the first seconds: nothing to resume
    audio.currentTime = place;
    note.textContent = note.getAttribute("data-resume").replace("{time}", clock(place));
  }
  var savedAt = 0;
  function remember() {
    if (audio.currentTime > 0 && !audio.ended) save(PLACE, audio.currentTime.toFixed(1));
  }
  audio.addEventListener("timeupdate", function () {
    var now = Date.now();
    if (now - savedAt > 2000) { savedAt = now; remember(); }  // a write every two seconds at most
  });
  audio.addEventListener("pause", remember);
  window.addEventListener("pagehide", remember);

  // -- the next stop -----------------------------------------------------------------------------
  var next = audio.getAttribute("data-next"), previous = audio.getAttribute("data-previous");
  var onward = document.getElementById("autoplay-next");
  if (onward) {
    onward.checked = load(AUTOPLAY) === "on";
    onward.addEventListener("change", function () { save(AUTOPLAY, onward.checked ? "on" : null); });
  }
  audio.addEventListener("ended", function () {
    save(PLACE, null);  // heard to the end: next time it starts at the start
    if (onward && onward.checked && next) window.location.href = next + "#play";
  });
  if (autoplayed) {
    var playing = audio.play();
    if (playing && playing.catch) {
      playing.catch(function () { note.textContent = note.getAttribute("data-blocked"); });  // autoplay refused
    }
  }

  // -- the lock screen ---------------------------------------------------------------------------
  if ("mediaSession" in navigator && window.MediaMetadata) {
    var picture = document.querySelector(".stop-picture img");
    var artwork = [];
    if (picture && picture.currentSrc) artwork.push({ src: picture.currentSrc });
    navigator.mediaSession.metadata = new window.MediaMetadata({
      title: audio.getAttribute("data-title"), artist: audio.getAttribute("data-album"),
      album: audio.getAttribute("data-album"), artwork: artwork
    });
    var actions = {
      play: function () { audio.play(); },
      pause: function () { audio.pause(); },
      seekbackward: function (d) { audio.currentTime = Math.max(0, audio.currentTime - ((d && d.seekOffset) || 10)); },
      seekforward: function (d) { audio.currentTime = Math.min(audio.duration || 0, audio.currentTime + ((d && d.seekOffset) || 10)); },
      seekto: function (d) { if (d && typeof d.seekTime === "number") audio.currentTime = d.seekTime; },
      previoustrack: previous ? function () { window.location.href = previous; } : null,
      nexttrack: next ? function () { window.location.href = next + "#play"; } : null
    };
    Object.keys(actions).forEach(function (action) {
      try { navigator.mediaSession.setActionHandler(action, actions[action]); } catch (e) { /* not supported here */ }
    });
    audio.addEventListener("timeupdate", function () {
      if (navigator.mediaSession.setPositionState && audio.duration) {
        try {
          navigator.mediaSession.setPositionState({ duration: audio.duration, position: Math.min(audio.currentTime, audio.duration),
                                                    playbackRate: audio.playbackRate });
        } catch (e) { /* a position past the end while a source changes */ }
      }
    });
  }
  Array.prototype.forEach.call(controls.querySelectorAll("input, button"), function (control) { control.disabled = false; });
})();
