// Refresh the import's progress every two seconds until it is done.
(function () {
  "use strict";
  setTimeout(function () { window.location.reload(); }, 2000);
})();
