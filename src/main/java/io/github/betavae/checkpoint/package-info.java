/**
 * Run directories on disk: safetensors weights with PyTorch names, optimizer state, config.json, all
 * written atomically.
 */
package io.github.betavae.checkpoint;
