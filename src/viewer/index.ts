/** `hpaic view`: the local read-only web app over run folders and their images. */
export { startViewer, type Viewer, type ViewerOptions } from './server.js';
