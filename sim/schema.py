"""The scenario format: typed, validated objects (pydantic).

A scenario is what a YAML file says after ``extends`` and ``--set`` are applied.
Nothing here knows about a theatre: actors, camps, places and issues are all named
by the scenario. Cross-references (a tie to an unknown actor, a road to an
unknown place, ...) are checked in :func:`check_references`, which reports the
dotted path of the offending field so the loader can name its line.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_serializer

from .errors import did_you_mean

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Level = Annotated[float, Field(ge=0.0, le=3.0)]  # 1.0 = the largest documented effort on a channel
Ident = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
SourceKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Receivers = Ident | dict[Ident, Ident]  # captures_go_to: an actor for every place, or place -> actor


def receiver_for(rule: str | dict[str, str] | None, place: str) -> str | None:
    """The actor a ``captures_go_to`` names for a place: its one actor, the place's entry, or None."""
    return rule.get(place) if isinstance(rule, dict) else rule


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Extended(Strict):
    """A part of the format that gained optional fields (``_added``) after scenarios were pinned: those fields
    are left out of the resolved scenario while a file does not give them, so that a scenario that does not use
    them resolves, and hashes, as before (manifests and pinned outputs stay the same)."""

    _added: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _leave_out_unused_additions(self, handler):
        data = handler(self)
        for name in self._added:
            if name not in self.model_fields_set:
                data.pop(name, None)
        return data


class Cited(Strict):
    """What an item of a scenario rests on: keys of the bibliography, and the values that are judgements.

    ``sources`` are keys of the project's bibliography (sources/bibliography.yaml, see :mod:`sim.sources`);
    ``assumption`` says which values have no source and why they were chosen; ``later_sources`` says why a
    source published after the scenario's start date may be used (for example, a later report of an earlier
    fact); ``basis`` says in words what the sources give. An item cites at least one source or marks an
    assumption; :func:`sim.sources.check_citations` checks the keys and the dates.
    """

    sources: list[SourceKey] = []
    assumption: str | None = Field(default=None, min_length=3)
    later_sources: str | None = Field(default=None, min_length=3)
    basis: str | None = Field(default=None, min_length=3)


class Channel(str, Enum):
    """How a patron helps a client (or an ally helps an ally)."""

    money = "money"
    arms = "arms"
    mercenaries = "mercenaries"
    troops = "troops"
    drones = "drones"
    air_power = "air_power"
    air_defence = "air_defence"
    special_forces = "special_forces"
    diplomatic_cover = "diplomatic_cover"
    recognition = "recognition"
    alliance = "alliance"


# the channels an arms embargo cuts (unless a patron's diplomatic cover shields the client)
MILITARY_CHANNELS = (Channel.arms, Channel.mercenaries, Channel.troops, Channel.drones, Channel.air_power,
                     Channel.air_defence)


class ActorKind(str, Enum):
    faction = "faction"
    patron = "patron"
    organisation = "organisation"


# ---------------------------------------------------------------- parameters
class ChannelEffect(Strict):
    """What one unit of support level on a channel gives the client each week."""

    fighters: NonNeg = 0.0
    quality: NonNeg = 0.0
    air: NonNeg = 0.0
    air_defence: NonNeg = 0.0
    cash: NonNeg = 0.0
    legitimacy: NonNeg = 0.0
    cost: NonNeg = Field(description="budget units a patron spends per week for level 1.0")


class Parameters(Strict):
    """Model parameters. Defaults live in configs/model.yaml (generic) and in a theatre's parameter file (its
    tuning, named by a scenario with ``parameters_file:``), not in code."""

    # combat
    contest_decisiveness: Annotated[float, Field(gt=0.0, le=20.0)]
    defender_advantage: Annotated[float, Field(ge=1.0, le=10.0)]
    urban_advantage_per_100k: Annotated[float, Field(ge=0.0, le=5.0)]
    air_weight: Annotated[float, Field(ge=0.0, le=10.0)]
    air_range_km: Annotated[float, Field(gt=0.0)]
    air_defence_range_km: Annotated[float, Field(gt=0.0)]
    air_shootdown_rate: Annotated[float, Field(ge=0.0, le=10.0)]
    air_strike_rate: Annotated[float, Field(ge=0.0, le=10.0)]
    air_interdiction_rate: Unit
    air_delivery_rate: Unit
    supply_range_km: Annotated[float, Field(gt=0.0)]
    rear_supply_factor: Annotated[float, Field(ge=1.0, le=100.0)]
    enclave_supply: Unit
    offensive_share: Unit
    hold_weight: Annotated[float, Field(ge=1.0, le=100.0)]
    defence_focus: Annotated[float, Field(ge=1.0, le=100.0)]
    offensive_threshold: Annotated[float, Field(ge=0.0, le=100.0)]
    capture_tempo: Unit
    surprise_focus: NonNeg
    recapture_worth: Annotated[float, Field(ge=0.0, le=100.0)]
    red_line_weight: Annotated[float, Field(ge=0.0, le=100.0)]
    siege_endurance_weeks: Annotated[float, Field(ge=1.0, le=1000.0)]
    attrition_rate: Annotated[float, Field(ge=0.0, le=1.0)]
    max_loss_share: Unit
    battle_cohesion_change: Unit
    cohesion_floor: Unit
    max_quality: Annotated[float, Field(ge=0.0, le=10.0)]
    campaign_horizon_weeks: Annotated[float, Field(ge=1.0, le=520.0)]
    campaign_launch_capacity: Unit
    campaign_commitment_weeks: Annotated[int, Field(ge=0, le=520)]
    campaign_breakpoint: Unit
    culmination_capacity: Unit
    capacity_cost_per_battle: Unit
    capacity_regeneration: Unit
    initial_offensive_capacity: Unit
    operational_pause_weeks: Annotated[int, Field(ge=0, le=520)]
    learning_rate: Annotated[float, Field(ge=0.0, le=10.0)]
    optimism_floor: Annotated[float, Field(ge=-0.9, le=0.0)]
    road_detour_factor: Annotated[float, Field(ge=1.0, le=5.0)]
    # support (Richardson / Regan)
    support_adjust_rate: Unit
    support_rival_reaction: Annotated[float, Field(ge=0.0, le=10.0)]
    support_cost_decay: Annotated[float, Field(ge=0.0, le=10.0)]
    support_prospect_weight: Annotated[float, Field(ge=0.0, le=10.0)]
    red_line_escalation: Annotated[float, Field(ge=0.0, le=10.0)]
    rival_support_floor: Annotated[float, Field(gt=0.0, le=100.0)]
    support_headroom_share: Unit
    channel_effects: dict[Channel, ChannelEffect]
    # economy
    oil_price_usd: NonNeg
    revenue_to_cash: NonNeg
    upkeep_per_fighter: NonNeg
    legitimacy_recruit_weight: Annotated[float, Field(ge=0.0, le=2.0)]
    recruit_per_cash: NonNeg
    recruit_cap_share: Unit
    cohesion_recovery: Unit
    unpaid_cohesion_loss: Unit
    cash_reserve_weeks: Annotated[float, Field(ge=0.0, le=520.0)]
    capital_revenue_share: Unit
    blockade_threshold: Unit
    # alignment
    alignment_rate: Unit
    alignment_rate_at_war: Unit
    alignment_inertia: NonNeg
    alignment_pay_weight: NonNeg
    alignment_momentum_weight: NonNeg
    alignment_ideology_weight: NonNeg
    alignment_threat_weight: NonNeg
    alignment_legitimacy_weight: NonNeg
    alignment_spoils_weight: NonNeg
    realignment_lock_weeks: Annotated[int, Field(ge=0, le=1000)]
    momentum_weeks: Annotated[int, Field(ge=1, le=520)]
    momentum_captures: Annotated[float, Field(gt=0.0, le=100.0)]
    # diplomacy
    bargaining_noise: NonNeg
    optimism_per_patron_support: NonNeg
    war_cost_weight: NonNeg
    legitimacy_bargaining_weight: NonNeg
    ceasefire_intensity: Unit
    ceasefire_break_rate: Unit
    agreement_break_factor: Annotated[float, Field(ge=0.0, le=10.0)]
    ceasefire_deficit_weight: Annotated[float, Field(ge=0.0, le=100.0)]
    ceasefire_shift_weight: Annotated[float, Field(ge=0.0, le=100.0)]
    agreement_effort_factor: Annotated[float, Field(ge=0.0, le=10.0)]
    unification_legitimacy_gain: Unit


# ---------------------------------------------------------------- actors
class Interest(Strict):
    position: Unit
    salience: Unit


class FactionProfile(Extended):
    _added = ("captures_go_to",)
    fighters: Annotated[float, Field(ge=0.0, le=1_000_000)]
    heavy_weapons: Unit
    air: NonNeg = 0.0
    air_defence: NonNeg = 0.0
    cash: NonNeg
    cohesion: Unit
    legitimacy: Unit
    home: Ident
    goals: dict[Ident, Annotated[float, Field(ge=0.0, le=10.0)]] = {}
    can_switch: bool = False
    optimism: Annotated[float, Field(ge=-0.9, le=5.0)] = 0.0  # its leader over-rates its strength by this share
    captures_go_to: Receivers | None = Field(None, description="the actor (a faction, or a patron with forces) that "
                                             "takes the places this faction captures, while it is in the faction's "
                                             "camp or an allied one; or a mapping place -> actor for some places only "
                                             "(default: its camp's rule, else the faction itself)")


class PatronForces(Strict):
    """A patron's own forces in the theatre (an expeditionary force): they hold and defend places in the patron's
    camp and count in its strength, but launch no campaign and take no part in one. The patron keeps them at
    strength (they are not paid from the theatre's revenue and do not recruit); losses are not replaced."""

    fighters: Annotated[float, Field(ge=0.0, le=1_000_000)]
    heavy_weapons: Unit = Field(description="their quality, as a faction's heavy_weapons")
    cohesion: Unit = 0.8
    air_defence: NonNeg = 0.0
    home: Ident = Field(description="the place they are based at (they defend it as a militia defends its town)")


class PatronProfile(Extended):
    _added = ("forces",)
    budget: NonNeg
    resolve: Unit
    risk_tolerance: Unit
    domestic_constraint: Unit = 1.0
    red_lines: list[Ident] = []
    forces: PatronForces | None = Field(None, description="its own forces in the theatre, which can hold places")


class Actor(Cited):
    name: str
    kind: ActorKind
    camp: Ident
    faction: FactionProfile | None = None
    patron: PatronProfile | None = None
    interests: dict[Ident, Interest] = {}
    note: str | None = None


class Camp(Extended):
    _added = ("captures_go_to",)
    name: str
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    armed: bool = True
    accepts_defectors: bool = True
    offensive_capacity: Unit | None = None  # at the start; default: parameters.initial_offensive_capacity
    campaign: Ident | None = None  # the objective of a campaign under way at the start (a place)
    captures_go_to: Receivers | None = Field(None, description="the actor (a faction, or a patron with forces) that "
                                             "takes the places the camp's factions capture, while it is in the camp "
                                             "or an allied one; or a mapping place -> actor for some places only (a "
                                             "faction's own captures_go_to comes first)")


class Issue(Strict):
    description: str
    low: str = ""
    high: str = ""


class Tie(Cited):
    source: Ident
    target: Ident
    channel: Channel
    level: Level
    max_level: Level = 1.0
    adaptive: bool = True
    # a note for validation, read by nothing in a run (so not part of the resolved scenario): level 0 is meant
    dormant: bool = Field(False, exclude=True, description="the tie is at level 0 on purpose (it waits for an "
                          "escalation or an event); a tie at level 0 without it gets a warning")


# ---------------------------------------------------------------- revenue
RevenueKind = Literal["oil", "customs", "taxes", "rents"]
RevenueRoute = Literal["holder", "capital"]
Institutions = Literal["capital_share", "by_population", "capital_only"]
# where each kind of revenue goes unless the scenario's economy or the source says otherwise
DEFAULT_ROUTES: dict[str, str] = {"oil": "capital", "customs": "holder", "taxes": "holder", "rents": "holder"}


class RevenueSource(Strict):
    """One source of revenue of a place. ``via``: ``holder`` (the faction holding the place takes it) or ``capital``
    (pooled through the capital's institutions and shared by their rule); default: the scenario's ``economy.via``
    for the kind, else oil through the capital and everything else to the holder."""

    via: RevenueRoute | None = None


class OilRevenue(RevenueSource):
    """The place's oil (``oil_bpd`` at ``oil_price_usd``): an entry only says where it goes."""

    kind: Literal["oil"]


class Customs(RevenueSource):
    """Duties on trade at a port or a border crossing."""

    kind: Literal["customs"]
    amount: NonNeg = Field(description="$ million a year")


class Taxes(RevenueSource):
    """Taxation of the place's population."""

    kind: Literal["taxes"]
    per_capita: NonNeg = Field(description="$ a year per inhabitant")


class Rents(RevenueSource):
    """Local rents: smuggling, checkpoints, protection."""

    kind: Literal["rents"]
    amount: NonNeg = Field(description="$ million a year")


Revenue = Annotated[Union[OilRevenue, Customs, Taxes, Rents], Field(discriminator="kind")]


class Economy(Strict):
    """How the revenue of places reaches the camps: the rule of the capital's institutions for what is pooled
    through them, and where each kind of revenue goes."""

    institutions: Institutions = Field("capital_share", description=(
        "capital_share: the camp holding the capital keeps capital_revenue_share x its recognition, the other camps "
        "share the rest by population; by_population: every camp by its population; capital_only: the camp "
        "holding the capital keeps its recognition's share, the rest is withheld"))
    via: dict[RevenueKind, RevenueRoute] = Field(default={}, description="where each kind goes (default: oil "
                                                  "through the capital, customs, taxes and rents to the holder)")

    def route(self, kind: str, via: str | None = None) -> str:
        """Where a source of this kind goes: its own ``via``, else the scenario's for the kind, else the default."""
        return via or self.via.get(kind) or DEFAULT_ROUTES[kind]


RelationKind = Literal["war", "truce", "neutral", "allied"]
CampPair = Annotated[list[Ident], Field(min_length=2, max_length=2)]


class Relation(Cited):
    """How two armed camps stand to each other at the start (every pair not named is at war): ``truce`` (no
    attacks between them until it breaks down), ``neutral`` (at peace: no attacks, each one's supply may cross the
    other's ground), ``allied`` (neutral, and they count as one side in the balance). See
    :mod:`sim.world.relations`."""

    camps: CampPair
    relation: RelationKind


# ---------------------------------------------------------------- territory
class Place(Cited, Extended):
    _added = ("border_crossing", "revenue")
    name: str
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    population: Annotated[float, Field(ge=0.0)]
    oil_bpd: Annotated[float, Field(ge=0.0)] = 0.0
    port: bool = False
    border_crossing: bool = Field(False, description="a border crossing (customs are collected at ports and "
                                  "border crossings)")
    airbase: bool = False
    oil_terminal: bool = False
    capital: bool = False
    controller: Ident
    revenue: list[Revenue] = Field(default=[], description="the place's sources of revenue besides its oil_bpd, "
                                   "and where its oil goes")


class Territory(Strict):
    places: dict[Ident, Place]
    roads: list[tuple[Ident, Ident]]
    roads_cited: Cited
    enclaves: list[Ident] = Field(default_factory=list, description="places not meant to be reachable by road "
                                  "from their holder's home at the start (checked by tests)")
    # the road graphs built from this territory (by road detour factor), shared by every run of the scenario
    # (see territory.place_graph)
    _graphs: dict = PrivateAttr(default_factory=dict)


# ---------------------------------------------------------------- events
class Deal(Strict):
    ceasefire: bool = True
    revenue_sharing: Literal["status_quo", "equitable"] = "status_quo"
    unification: bool = False
    positions: dict[Ident, Unit] = {}


class EventBase(Cited):
    date: dt.date
    text: str | None = None


class Conference(EventBase):
    kind: Literal["conference"]
    name: str
    host: Ident
    invitees: list[Ident]
    key_parties: list[Ident] = Field(min_length=1)
    deal: Deal
    outcome: Literal["auto", "agreement", "failure"] = "auto"
    walkout: Ident | None = None


class Deployment(EventBase):
    kind: Literal["deployment"]
    patron: Ident
    client: Ident
    channel: Channel
    level: Level
    max_level: Level | None = None


class Withdrawal(EventBase):
    kind: Literal["withdrawal"]
    patron: Ident
    client: Ident
    channel: Channel


class TieChange(EventBase):
    kind: Literal["tie_change"]
    tie: Ident
    level: Level | None = None
    max_level: Level | None = None


BlockadeMeans = Literal["naval", "air", "shutdown"]


class Blockade(EventBase, Extended):
    """A blockade.

    - Of places: ``places`` (named places) or ``ports_of`` (a camp: every port it holds, week by week), by any
      actor, with ``means`` and an ``enforcement`` (the share of those places' revenue it cuts, of every kind:
      oil, customs, taxes, rents; default 1). A
      naval blockade closes ports only; a naval or air blockade bites while a camp other than the blockader's
      holds the place, a shutdown whoever holds it.
    - The old form, ``by`` alone: a faction (or every faction of another actor's camp) shuts the oil of every
      place it holds, week by week.

    ``lift: true`` ends the blockades ``by`` imposed on the places (the camp's ports) it names; without them,
    every blockade of ``by``."""

    _added = ("places", "ports_of", "means", "enforcement")
    kind: Literal["blockade"]
    by: Ident
    places: list[Ident] = []
    ports_of: Ident | None = Field(default=None, description="a camp: the ports it holds, week by week")
    means: BlockadeMeans | None = None
    enforcement: Unit | None = Field(default=None, description="share of the places' revenue cut (default 1)")
    lift: bool = False

    @property
    def of_places(self) -> bool:
        """Not the old form: a blockade of named places or of a camp's ports."""
        return bool(self.places) or self.ports_of is not None


class ArmsEmbargo(EventBase, Extended):
    """An arms embargo: it cuts the military channels (:data:`MILITARY_CHANNELS`) of support to its
    ``targets`` (factions or camps; none: every faction) by its ``enforcement``, or by ``channels``' own
    enforcement on the channels named there, unless a patron's diplomatic cover shields the client. It sets
    the enforcement of the targets it names (0 lifts it); where several embargoes cover a tie, the firmest
    applies."""

    _added = ("targets", "channels")
    kind: Literal["arms_embargo"]
    enforcement: Unit
    targets: list[Ident] = Field(default=[], description="factions or camps under the embargo (default: all)")
    channels: dict[Channel, Unit] = Field(default={}, description="enforcement per military channel")


class Defection(EventBase):
    kind: Literal["defection"]
    actor: Ident
    to_camp: Ident


class RecognitionChange(EventBase):
    kind: Literal["recognition_change"]
    actor: Ident
    legitimacy: Unit


class Offensive(EventBase):
    kind: Literal["offensive"]
    actor: Ident
    target: Ident
    weeks: Annotated[int, Field(ge=1, le=520)]


class Ceasefire(EventBase):
    kind: Literal["ceasefire"]
    parties: list[Ident] = Field(min_length=1)


class Capture(EventBase):
    """A dated hand-over of a place to a faction: a change of the starting state, or a negotiated hand-over. No
    battle is fought: nobody loses fighters, it is no camp's momentum, and the camp that gave the place up does
    not set out to take it back."""

    kind: Literal["capture"]
    place: Ident
    to: Ident = Field(description="the faction that takes the place over")


class Handover(EventBase, Extended):
    """A place passes from its holder to a named actor on this date (a militia hands a town to an allied army, an
    army hands a base to its patron's forces): no battle, as a ``capture``. ``to`` may be a faction or a patron
    with forces; with ``by``, the hand-over happens only if ``by`` holds the place that week."""

    _added = ("by",)
    kind: Literal["handover"]
    place: Ident
    to: Ident = Field(description="the faction, or patron with forces, that takes the place over")
    by: Ident | None = Field(None, description="the actor handing it over: nothing happens if it does not hold the "
                             "place that week")


class RelationChange(EventBase):
    """Two armed camps are at war, in a truce, neutral or allied from this date on (see :class:`Relation`)."""

    kind: Literal["relation"]
    camps: CampPair
    relation: RelationKind


class Split(EventBase):
    """A share of a faction's fighters goes over to another faction (a split, or a guard that defects): the same
    share of its cash and of its own air power and air defence goes with them, and the weapons they carry (the
    receiving faction's heavy weapons and cohesion become the fighter-weighted mean of the two)."""

    kind: Literal["split"]
    faction: Ident = Field(description="the faction that splits")
    to: Ident = Field(description="the faction that the share goes over to (declared in the scenario)")
    share: Annotated[float, Field(gt=0.0, le=1.0, description="share of the fighters that go over, in (0, 1]")]


Event = Annotated[
    Union[Conference, Deployment, Withdrawal, TieChange, Blockade, ArmsEmbargo, Defection,
          RecognitionChange, Offensive, Ceasefire, Capture, Handover, RelationChange, Split],
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------- scenario
class Scenario(Extended):
    _added = ("relations", "economy")
    name: str
    title: str
    question: str
    start_date: dt.date
    end_date: dt.date
    camps: dict[Ident, Camp] = Field(min_length=2)
    issues: dict[Ident, Issue] = {}
    actors: dict[Ident, Actor] = Field(min_length=2)
    ties: dict[Ident, Tie] = {}
    relations: dict[Ident, Relation] = Field(default={}, description="relations between armed camps at the start "
                                             "(every pair not named is at war)")
    territory: Territory
    events: dict[Ident, Event] = {}
    parameters: Parameters
    economy: Economy = Field(default_factory=Economy, description="the capital's institutions and where each "
                             "kind of revenue goes (default: today's status quo, oil through the capital)")
    outcome_places: list[Ident] = Field(default_factory=list, max_length=8)
    headline_camps: list[Ident] = Field(default_factory=list, max_length=4)

    @field_validator("end_date")
    @classmethod
    def _end_after_start(cls, v, info):
        start = info.data.get("start_date")
        if start and v <= start:
            raise ValueError("end_date must be after start_date")
        return v


# what a tie to a patron cannot carry: it adds to the patron's budget, so it must be something a patron pays for
UNPAID_CHANNELS = (Channel.alliance, Channel.diplomatic_cover, Channel.recognition)


def forces_id(patron_id: str) -> str:
    """The actor id under which a patron's own forces are recorded (regions.csv, actors.csv)."""
    return f"{patron_id}_forces"


def expeditionary_forces(s: Scenario) -> list[tuple[str, str, Actor]]:
    """(patron id, forces id, the forces as a faction's profile) for every patron with ``forces``, in actor
    order: the model adds them after the scenario's factions."""
    out = []
    for aid, a in s.actors.items():
        forces = a.patron.forces if a.kind == ActorKind.patron and a.patron else None
        if forces is not None:
            profile = FactionProfile(fighters=forces.fighters, heavy_weapons=forces.heavy_weapons,
                                     air_defence=forces.air_defence, cash=0.0, cohesion=forces.cohesion,
                                     legitimacy=0.0, home=forces.home)
            out.append((aid, forces_id(aid), Actor(name=f"{a.name} (own forces)", kind=ActorKind.faction,
                                                   camp=a.camp, faction=profile, assumption=a.assumption or "forces")))
    return out


def can_hold_places(s: Scenario, aid: str) -> bool:
    """A faction, or a patron with its own forces."""
    a = s.actors[aid]
    return a.faction is not None or (a.kind == ActorKind.patron and a.patron is not None
                                     and a.patron.forces is not None)


class ReferenceProblem(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def check_references(s: Scenario) -> None:
    """Check every cross-reference; raise ReferenceProblem naming the field."""
    refs = _References(s)
    refs.actors()
    refs.ties()
    refs.relations()
    refs.territory()
    for eid, e in s.events.items():
        refs.need(s.start_date <= e.date, f"events.{eid}.date", f"event date {e.date} is before start_date {s.start_date}")
        getattr(refs, f"event_{e.kind}")(f"events.{eid}", e)
    for i, pid in enumerate(s.outcome_places):
        refs.place(pid, f"outcome_places.{i}")
    for i, cid in enumerate(s.headline_camps):
        refs.need(cid in s.camps, f"headline_camps.{i}", f"unknown camp '{cid}'{did_you_mean(cid, s.camps)}")


class _References:
    """The cross-reference checks of a scenario, one method per part (and per event kind)."""

    def __init__(self, s: Scenario):
        self.s = s

    @staticmethod
    def need(cond: bool, path: str, msg: str) -> None:
        if not cond:
            raise ReferenceProblem(path, msg)

    def actor(self, aid: str, path: str) -> None:
        self.need(aid in self.s.actors, path, f"unknown actor '{aid}'{did_you_mean(aid, self.s.actors)}")

    def faction(self, aid: str, path: str) -> None:
        self.actor(aid, path)
        self.need(self.s.actors[aid].faction is not None, path, f"'{aid}' is not a faction")

    def holder(self, aid: str, path: str) -> None:
        """An actor that can hold places: a faction, or a patron with ``forces``."""
        self.actor(aid, path)
        self.need(can_hold_places(self.s, aid), path,
                  f"'{aid}' cannot hold places (a faction, or a patron with forces, can)")

    def place(self, pid: str, path: str) -> None:
        self.need(pid in self.s.territory.places, path,
                  f"unknown place '{pid}'{did_you_mean(pid, self.s.territory.places)}")

    def actors(self) -> None:
        for cid, c in self.s.camps.items():
            if c.campaign is not None:
                self.place(c.campaign, f"camps.{cid}.campaign")
                self.need(c.armed, f"camps.{cid}.campaign", "only an armed camp can have a campaign")
        for aid, a in self.s.actors.items():
            self.need(a.camp in self.s.camps, f"actors.{aid}.camp",
                      f"unknown camp '{a.camp}'{did_you_mean(a.camp, self.s.camps)}")
            if a.kind == ActorKind.faction:
                self.need(a.faction is not None, f"actors.{aid}.faction", "a faction needs a 'faction' profile")
            if a.kind == ActorKind.patron:
                self.need(a.patron is not None, f"actors.{aid}.patron", "a patron needs a 'patron' profile")
            if a.faction:
                self.place(a.faction.home, f"actors.{aid}.faction.home")
                for pid in a.faction.goals:
                    self.place(pid, f"actors.{aid}.faction.goals.{pid}")
            if a.patron:
                for i, pid in enumerate(a.patron.red_lines):
                    self.place(pid, f"actors.{aid}.patron.red_lines.{i}")
                self.forces(aid, a)
            if a.faction and a.faction.captures_go_to is not None:
                self.receivers(a.faction.captures_go_to, aid, f"actors.{aid}.faction.captures_go_to")
        for cid, c in self.s.camps.items():
            if c.captures_go_to is not None:
                self.receivers(c.captures_go_to, None, f"camps.{cid}.captures_go_to")
            for iid in a.interests:
                self.need(iid in self.s.issues, f"actors.{aid}.interests.{iid}",
                          f"unknown issue '{iid}'{did_you_mean(iid, self.s.issues)}")

    def forces(self, aid: str, a) -> None:
        """A patron's own forces: a home on the map, and an id of their own."""
        if a.patron.forces is None:
            return
        self.need(a.kind == ActorKind.patron, f"actors.{aid}.patron.forces",
                  f"'{aid}' is a {a.kind.value}: only a patron has forces of its own (a faction's are its fighters)")
        self.place(a.patron.forces.home, f"actors.{aid}.patron.forces.home")
        fid = forces_id(aid)
        self.need(fid not in self.s.actors, f"actors.{aid}.patron.forces",
                  f"its forces are recorded as '{fid}', which is already an actor of the scenario")
        self.need(self.s.camps[a.camp].armed, f"actors.{aid}.patron.forces",
                  f"camp '{a.camp}' is not armed: a patron's forces fight for an armed camp")

    def receivers(self, rule: str | dict[str, str], faction: str | None, path: str) -> None:
        """A ``captures_go_to``: one receiver, or a receiver per place."""
        if isinstance(rule, str):
            self.receiver(rule, faction, path)
            return
        for pid, aid in rule.items():
            self.place(pid, f"{path}.{pid}")
            self.receiver(aid, faction, f"{path}.{pid}")

    def receiver(self, aid: str, faction: str | None, path: str) -> None:
        """Who takes captured places: a faction, or a patron with forces, other than the faction itself."""
        self.holder(aid, path)
        self.need(aid != faction, path, f"'{aid}' is the faction itself: leave captures_go_to out")

    def ties(self) -> None:
        for tid, t in self.s.ties.items():
            self.actor(t.source, f"ties.{tid}.source")
            self.actor(t.target, f"ties.{tid}.target")
            self.need(t.source != t.target, f"ties.{tid}.target", "a tie cannot point to its own source")
            self.client(t.source, t.target, t.channel, (f"ties.{tid}.{k}" for k in ("source", "target", "channel")))
            self.need(t.level <= t.max_level, f"ties.{tid}.level", f"level {t.level} is above max_level {t.max_level}")

    def client(self, source: str, target: str, channel: Channel, paths) -> None:
        """A tie's client: a faction, or a patron supported by another patron on a channel it pays for (it adds to
        the client patron's budget). ``paths``: the fields of the source, the client and the channel."""
        source_path, target_path, channel_path = paths
        if self.s.actors[target].kind == ActorKind.patron:
            self.need(self.s.actors[source].kind == ActorKind.patron, source_path,
                      f"'{target}' is a patron: only another patron can support it (it adds to its budget)")
            self.need(channel not in UNPAID_CHANNELS, channel_path,
                      f"support to a patron adds to its budget: {channel.value} is not something a patron pays "
                      "for (use money, arms, mercenaries, ...)")
            return
        self.need(self.s.actors[target].faction is not None, target_path,
                  f"'{target}' is not a faction or a patron and cannot receive support")

    def camp_pair(self, camps: list[str], path: str) -> None:
        """Two different armed camps."""
        for i, cid in enumerate(camps):
            self.need(cid in self.s.camps, f"{path}.{i}", f"unknown camp '{cid}'{did_you_mean(cid, self.s.camps)}")
            self.need(self.s.camps[cid].armed, f"{path}.{i}",
                      f"camp '{cid}' is not armed: an unarmed camp attacks nobody and any armed camp may take its "
                      "places, so it has no relations")
        self.need(camps[0] != camps[1], f"{path}.1", f"a relation joins two different camps, not '{camps[0]}' "
                  "with itself")

    def relations(self) -> None:
        seen: dict[frozenset[str], str] = {}
        for rid, r in self.s.relations.items():
            self.camp_pair(r.camps, f"relations.{rid}.camps")
            pair = frozenset(r.camps)
            self.need(pair not in seen, f"relations.{rid}.camps",
                      f"{r.camps[0]} and {r.camps[1]} already have a relation (relations.{seen.get(pair)})")
            seen[pair] = rid

    def territory(self) -> None:
        terr = self.s.territory
        for pid, p in terr.places.items():
            self.holder(p.controller, f"territory.places.{pid}.controller")
        for i, (a, b) in enumerate(terr.roads):
            self.place(a, f"territory.roads.{i}")
            self.place(b, f"territory.roads.{i}")
            self.need(a != b, f"territory.roads.{i}", "a road must join two different places")
        for i, pid in enumerate(terr.enclaves):
            self.place(pid, f"territory.enclaves.{i}")
        for pid, p in terr.places.items():
            oil = [i for i, source in enumerate(p.revenue) if source.kind == "oil"]
            self.need(len(oil) <= 1, f"territory.places.{pid}.revenue.{oil[-1] if oil else 0}",
                      "one oil entry per place (it says where the place's oil_bpd goes)")

    # one check per event kind
    def event_conference(self, base: str, e) -> None:
        self.actor(e.host, f"{base}.host")
        for i, a in enumerate(e.invitees):
            self.actor(a, f"{base}.invitees.{i}")
        for i, a in enumerate(e.key_parties):
            self.faction(a, f"{base}.key_parties.{i}")
        if e.walkout:
            self.actor(e.walkout, f"{base}.walkout")
        for iid in e.deal.positions:
            self.need(iid in self.s.issues, f"{base}.deal.positions.{iid}",
                      f"unknown issue '{iid}'{did_you_mean(iid, self.s.issues)}")

    def event_deployment(self, base: str, e) -> None:
        self.actor(e.patron, f"{base}.patron")
        self.actor(e.client, f"{base}.client")
        self.need(e.client != e.patron, f"{base}.client", "a patron cannot support itself")
        self.client(e.patron, e.client, e.channel, (f"{base}.{k}" for k in ("patron", "client", "channel")))

    event_withdrawal = event_deployment

    def event_tie_change(self, base: str, e) -> None:
        self.need(e.tie in self.s.ties, f"{base}.tie", f"unknown tie '{e.tie}'{did_you_mean(e.tie, self.s.ties)}")

    def event_blockade(self, base: str, e) -> None:
        self.actor(e.by, f"{base}.by")
        for i, pid in enumerate(e.places):
            self.place(pid, f"{base}.places.{i}")
        if e.ports_of is not None:
            self.need(not e.places, f"{base}.ports_of", "name either places or ports_of, not both")
            self.need(e.ports_of in self.s.camps, f"{base}.ports_of",
                      f"unknown camp '{e.ports_of}'{did_you_mean(e.ports_of, self.s.camps)}")
        for name in ("means", "enforcement"):
            if getattr(e, name) is not None:
                self.need(e.of_places, f"{base}.{name}", f"{name} is for a blockade of places or ports_of (the old "
                          "form, by alone, shuts all the oil its side holds)")
                self.need(not e.lift, f"{base}.{name}", f"a lift takes no {name}")
        if e.of_places and not e.lift:
            self.need(e.means is not None, f"{base}.means", "say how: means: naval, air or shutdown")
        if e.means == "naval":
            for i, pid in enumerate(e.places):
                self.need(self.s.territory.places[pid].port, f"{base}.places.{i}",
                          f"'{pid}' is not a port (port: true): a naval blockade closes ports")

    def event_arms_embargo(self, base: str, e) -> None:
        for i, target in enumerate(e.targets):
            path = f"{base}.targets.{i}"
            known = list(self.s.actors) + list(self.s.camps)
            self.need(target in known, path, f"unknown actor or camp '{target}'{did_you_mean(target, known)}")
            self.need(not (target in self.s.actors and target in self.s.camps), path,
                      f"'{target}' is both an actor and a camp")
            self.need(target in self.s.camps or self.s.actors[target].faction is not None, path,
                      f"'{target}' is not a faction: an embargo targets those who receive support (factions or "
                      "camps)")
        for channel in e.channels:
            self.need(channel in MILITARY_CHANNELS, f"{base}.channels.{channel.value}",
                      f"an arms embargo cuts only {', '.join(c.value for c in MILITARY_CHANNELS)}")

    def event_defection(self, base: str, e) -> None:
        self.actor(e.actor, f"{base}.actor")
        self.need(e.to_camp in self.s.camps, f"{base}.to_camp",
                  f"unknown camp '{e.to_camp}'{did_you_mean(e.to_camp, self.s.camps)}")

    def event_recognition_change(self, base: str, e) -> None:
        self.faction(e.actor, f"{base}.actor")

    def event_offensive(self, base: str, e) -> None:
        self.faction(e.actor, f"{base}.actor")
        self.place(e.target, f"{base}.target")

    def event_ceasefire(self, base: str, e) -> None:
        for i, a in enumerate(e.parties):
            self.actor(a, f"{base}.parties.{i}")

    def event_relation(self, base: str, e) -> None:
        self.camp_pair(e.camps, f"{base}.camps")

    def event_split(self, base: str, e) -> None:
        self.faction(e.faction, f"{base}.faction")
        self.faction(e.to, f"{base}.to")
        self.need(e.faction != e.to, f"{base}.to", f"a faction cannot split to itself ('{e.to}')")

    def event_capture(self, base: str, e) -> None:
        self.place(e.place, f"{base}.place")
        self.actor(e.to, f"{base}.to")
        self.need(self.s.actors[e.to].faction is not None, f"{base}.to",
                  f"'{e.to}' is not a faction and cannot hold places")

    def event_handover(self, base: str, e) -> None:
        self.place(e.place, f"{base}.place")
        self.holder(e.to, f"{base}.to")
        if e.by is not None:
            self.holder(e.by, f"{base}.by")
            self.need(e.by != e.to, f"{base}.to", f"'{e.to}' is also the actor handing the place over")
