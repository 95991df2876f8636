export { ENGLISH_STOPWORDS } from '../../shared/stopwords.js';
