// Reading a POST /predict body: {"images": [[784 numbers], …]}. Every way a body can be wrong gets
// its own message naming the place (images[3][17]) and what was expected there, because the
// client reads it in a 400 answer and has nothing else to go on.
import { ShapeError, ValueError } from "@strata/tensor";

/** What a body may hold. */
export interface RequestLimits {
  /** Values per image (784: a 28 × 28 image, row by row). */
  pixelsPerImage: number;
  /** How the values make an image, for messages: `[1, 28, 28]`. */
  imageShape: readonly number[];
  /** The most images one request may carry. */
  maxImages: number;
}

/** The images of a valid body, one after another, ready for the model. */
export interface PredictRequest {
  pixels: Float32Array;
  count: number;
}

/** A JSON value's kind as a person would name it ("an array", "null", "a string"). */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * A value for a message, cut short: 255, "abc", true. Arrays and objects are named by their kind
 * only: stringifying a client's deeply nested value could overflow the stack.
 */
function show(value: unknown): string {
  if (value !== null && typeof value === "object") return Array.isArray(value) ? `an array of ${value.length}` : "an object";
  const text = typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/**
 * The images in `body`, validated against `limits`. Pixel values are from 0 (background) to 1
 * (ink): the byte values of MNIST's files divided by 255, which is what mnist-cnn trains on.
 * @throws ValueError when the body is not JSON, not an object with an array `images`, holds no
 * images or more than `maxImages`, or holds something other than a number from 0 to 1.
 * @throws ShapeError when an image does not have `pixelsPerImage` values.
 */
export function parsePredictRequest(body: string, limits: RequestLimits): PredictRequest {
  const { pixelsPerImage, imageShape, maxImages } = limits;
  const expected = `expected {"images": [[${pixelsPerImage} numbers from 0 to 1], …]} with 1 to ${maxImages} images`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ValueError(`POST /predict: the body is not JSON (${(error as Error).message}); ${expected}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ValueError(`POST /predict: the body is ${kind(parsed)}; ${expected}`);
  }
  if (!("images" in parsed)) {
    const keys = Object.keys(parsed);
    throw new ValueError(`POST /predict: the body has no "images" field (its fields: ${keys.length > 0 ? keys.map((k) => JSON.stringify(k)).join(", ") : "none"}); ${expected}`);
  }
  const images = (parsed as { images: unknown }).images;
  if (!Array.isArray(images)) throw new ValueError(`POST /predict: "images" is ${kind(images)}; ${expected}`);
  if (images.length === 0) throw new ValueError(`POST /predict: "images" is empty; ${expected}`);
  if (images.length > maxImages) {
    throw new ValueError(`POST /predict: "images" holds ${images.length} images; at most ${maxImages} per request (split the batch)`);
  }
  const shape = imageShape.join(" × ");
  const pixels = new Float32Array(images.length * pixelsPerImage);
  images.forEach((image: unknown, i) => {
    if (!Array.isArray(image)) throw new ValueError(`POST /predict: images[${i}] is ${kind(image)}; expected an array of ${pixelsPerImage} numbers (${shape}, row by row)`);
    if (image.length !== pixelsPerImage) {
      throw new ShapeError(`POST /predict: images[${i}] has ${image.length} values; expected ${pixelsPerImage} (${shape}, row by row)`);
    }
    for (let j = 0; j < pixelsPerImage; j++) {
      const value: unknown = image[j];
      if (typeof value !== "number") throw new ValueError(`POST /predict: images[${i}][${j}] is ${show(value)} (${kind(value)}); expected a number from 0 to 1`);
      // JSON has no NaN, and a number past float64's range (1e400) parses as Infinity: the range check refuses both
      if (value < 0 || value > 1) {
        throw new ValueError(`POST /predict: images[${i}][${j}] is ${value}; pixel values are from 0 (background) to 1 (ink), as mnist-cnn trains on them (divide 0–255 bytes by 255)`);
      }
      pixels[i * pixelsPerImage + j] = value;
    }
  });
  return { pixels, count: images.length };
}
