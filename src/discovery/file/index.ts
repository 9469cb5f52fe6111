export { FileDiscovery, type FileDiscoveryOptions } from './file-discovery.js';
export { parseEndpointsFile } from './parse.js';
