import './style.css';
import { ControlApp } from './app.js';

customElements.define('openclaw-app', ControlApp);
