// The field form's optional location: one tap asks the phone for its position and fills the hidden fields.
(function () {
  "use strict";
  function ready() {
    var button = document.getElementById("gps-button");
    var status = document.getElementById("gps-status");
    if (!button) {
      return;
    }
    if (!navigator.geolocation) {
      button.disabled = true;
      return;
    }
    button.addEventListener("click", function () {
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        status.textContent = position.coords.latitude.toFixed(5) + ", " + position.coords.longitude.toFixed(5);
      }, function (error) {
        status.textContent = error.message;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
