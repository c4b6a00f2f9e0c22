/**
 * Downloads models from the Hugging Face hub into the cache that the Python library huggingface_hub
 * uses, so either reuses the other's files. {@link io.github.mezo4j.nn.hub.HubModelDownloader}
 * fetches what a model folder needs and returns the snapshot folder; {@link
 * io.github.mezo4j.nn.hub.HubClient} fetches single files; {@link
 * io.github.mezo4j.nn.hub.HubSettings} reads {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code
 * HF_HUB_OFFLINE} and the cache variables; {@link io.github.mezo4j.nn.hub.HubCache} is the on-disk
 * layout.
 *
 * <pre>{@code
 * HubClient client = new HubClient(HubSettings.fromEnvironment());
 * Path folder = new HubModelDownloader(client).download(HubRepo.parse("ORG/NAME@main"));
 * BertCheckpoint model = HuggingFaceFolder.load(folder);
 * }</pre>
 */
package io.github.mezo4j.nn.hub;
