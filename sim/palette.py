"""Colours shared by the report's plots and the viewer, so a channel looks the same everywhere."""

from .schema import Channel

CHANNEL_COLORS = {
    Channel.money.value: "#2ca02c",
    Channel.arms.value: "#8c564b",
    Channel.mercenaries.value: "#d62728",
    Channel.troops.value: "#9467bd",
    Channel.drones.value: "#ff7f0e",
    Channel.air_power.value: "#e377c2",
    Channel.air_defence.value: "#17becf",
    Channel.special_forces.value: "#7f7f7f",
    Channel.diplomatic_cover.value: "#bcbd22",
    Channel.recognition.value: "#e7298a",  # not blue: blue is a camp's colour on the shipped maps
    Channel.alliance.value: "#111111",
}
