/** PNG figures: image grids of prior samples and reconstructions. */
package io.github.betavae.viz;
