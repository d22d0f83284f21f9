// Every page but the sheet page: the header, fed by the socket to the server (/ws/live/).
import { Header, connectSocket, readJsonScript } from './header.js';

const config = readJsonScript('live-config');
if (config) {
  const header = new Header(config);
  header.start();
  connectSocket({ header, path: config.ws_path });
}
