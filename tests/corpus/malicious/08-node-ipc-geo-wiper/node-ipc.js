import ssl from './dao/ssl-geospec.js';
export default { ssl, connectTo() {} };
