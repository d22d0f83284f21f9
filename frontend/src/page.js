// Every page but the sheet page: the header, fed by the socket to the server
// (/ws/live/); on the sheet list, the list follows changes live; on the
// profile, the form offers the browser's time zone and says what "auto" means.
import { Header, connectSocket, readJsonScript } from './header.js';
import { SheetListFollower, bindCreateForm } from './sheetlist.js';
import { followProfileForm } from './profileform.js';

const config = readJsonScript('live-config');
if (config) {
  const header = new Header(config);
  header.start();
  const list = new SheetListFollower();
  bindCreateForm();
  connectSocket({ header, path: config.ws_path, onMessage: (msg) => list.receive(msg) });
}
followProfileForm();
